/*
 * reply_templates.h: the built-in reply templates, one entry each.
 *
 * X(ID, "name", "Portuguese", "English"). Adding a template is adding one
 * entry here; reply.h turns the IDs into enum reply_template (REPLY_<ID>)
 * and reply.c into the default texts. Defaults must be GSM-7 only and fit
 * 160 septets with the longest values (tests/parsers/test_reply.c checks).
 * Placeholders are listed in reply.h. Included only by reply.h and reply.c.
 *
 * After the SMS come the words that go into another template's
 * placeholder: who was notified ({notified} of a receipt), the name an
 * unverified sender has in a forward ({fp_name}), an alert's state as
 * ESTADO tells it. They are overridable like the rest.
 */
#define REPLY_TEMPLATES(X) \
X(RECEIPT, "receipt", \
  "Alerta {ref} recebido: {summary}. {notified}. {note}ANULAR {ref} se errado.", \
  "Alert {ref} received: {summary}. {notified}. {note}CANCEL {ref} if wrong.") \
X(FORWARD, "forward", \
  "FAROL {ref} {codes}: {text} FP {fp_name} {fp_phone}. Responda OK {ref}", \
  "FAROL {ref} {codes}: {text} FP {fp_name} {fp_phone}. Reply OK {ref}") \
X(FORWARD_SPOOLED, "forward_spooled", \
  "FAROL {codes}: {text} FP {fp_name} {fp_phone}. Numero do alerta a seguir.", \
  "FAROL {codes}: {text} FP {fp_name} {fp_phone}. Alert number follows.") \
X(INFO_RECEIPT, "info_receipt", \
  "Info do alerta {ref} recebida. Obrigado.", \
  "Info for alert {ref} received. Thank you.") \
X(CANCEL_RECEIPT, "cancel_receipt", \
  "Alerta {ref} anulado.", \
  "Alert {ref} cancelled.") \
X(ACK_RECEIPT, "ack_receipt", \
  "Alerta {ref}: OK registado. Obrigado.", \
  "Alert {ref}: acknowledged. Thank you.") \
X(CLOSE_RECEIPT, "close_receipt", \
  "Alerta {ref} fechado. Obrigado.", \
  "Alert {ref} closed. Thank you.") \
X(HELP, "help", \
  "ALERTA ilha forma [U1-U3] [V2] [MENOR] texto. Ex: ALERTA {ex_area} {ex_form} U1 V2 bar X. Tambem INFO, ANULAR, ESTADO num. AJUDA AREAS, FORMAS ou URG", \
  "ALERT island form [U1-U3] [V2] [MINOR] text. Ex: ALERT {ex_area} {ex_form} U1 V2 bar X. Also INFO, CANCEL, STATUS num. HELP AREAS, FORMS or URG") \
X(HELP_AREAS, "help_areas", \
  "Ilhas: {area_help}", \
  "Islands: {area_help}") \
X(HELP_FORMS, "help_forms", \
  "Formas: {form_help}", \
  "Forms: {form_help}") \
X(HELP_URGENCY, "help_urgency", \
  "U1 perigo imediato (ou URGENTE), U2 urgente (sem codigo = U2), U3 so para o Observatorio. Ex: ALERTA {ex_area} {ex_form} U1 bar X", \
  "U1 immediate danger (or URGENT), U2 urgent (the default), U3 for the Observatory only. Ex: ALERT {ex_area} {ex_form} U1 bar X") \
X(HELP_ADMIN, "help_admin", \
  "Administradores: LIBERAR num encaminha um alerta retido (PIN ou quarentena) como se acabasse de chegar. Ex: LIBERAR 123", \
  "Administrators: RELEASE num routes a held alert (PIN or quarantine) as if it had just arrived. Ex: RELEASE 123") \
X(ERROR_EMPTY, "error_empty", \
  "Mensagem vazia. Ex: ALERTA {ex_area} {ex_form} U1 V2 bar X. AJUDA para os codigos.", \
  "Empty message. Ex: ALERT {ex_area} {ex_form} U1 V2 bar X. HELP for the codes.") \
X(ERROR_UNKNOWN_COMMAND, "error_unknown_command", \
  "Comando desconhecido \"{token}\". Comece com ALERTA. Ex: ALERTA {ex_area} {ex_form} U1 bar X", \
  "Unknown command \"{token}\". Start with ALERT. Ex: ALERT {ex_area} {ex_form} U1 bar X") \
X(ERROR_MISSING_REF, "error_missing_ref", \
  "Falta o numero do alerta. Ex: {cmd} 123", \
  "The alert number is missing. Ex: {cmd} 123") \
X(ERROR_BAD_REF, "error_bad_ref", \
  "Numero de alerta invalido \"{token}\". Ex: {cmd} 123", \
  "Invalid alert number \"{token}\". Ex: {cmd} 123") \
X(ERROR_MISSING_AREA, "error_missing_area", \
  "Falta a ilha. Ilhas: {areas}. Ex: ALERTA {ex_area} {ex_form} U1 V2 bar X", \
  "The island is missing. Islands: {areas}. Ex: ALERT {ex_area} {ex_form} U1 V2 bar X") \
X(ERROR_UNKNOWN_AREA, "error_unknown_area", \
  "Codigo de ilha desconhecido \"{token}\". Ilhas: {areas}. Ex: ALERTA {ex_area} {ex_form} U1 V2 bar X", \
  "Unknown island code \"{token}\". Islands: {areas}. Ex: ALERT {ex_area} {ex_form} U1 V2 bar X") \
X(ERROR_MISSING_FORM, "error_missing_form", \
  "Falta a forma de exploracao. Formas: {forms}. Ex: ALERTA {ex_area} {ex_form} U1 bar X", \
  "The form of exploitation is missing. Forms: {forms}. Ex: ALERT {ex_area} {ex_form} U1 bar X") \
X(ERROR_UNKNOWN_FORM, "error_unknown_form", \
  "Codigo de forma desconhecido \"{token}\". Formas: {forms}. Ex: ALERTA {ex_area} {ex_form} U1 bar X", \
  "Unknown form code \"{token}\". Forms: {forms}. Ex: ALERT {ex_area} {ex_form} U1 bar X") \
X(ERROR_BAD_NUMBER, "error_bad_number", \
  "Numero invalido \"{token}\". Use U1 a U3, V1 a V999, F0 a F999, M0 a M999. Ex: ALERTA {ex_area} {ex_form} U1 V2 bar X", \
  "Invalid number \"{token}\". Use U1 to U3, V1 to V999, F0 to F999, M0 to M999. Ex: ALERT {ex_area} {ex_form} U1 V2 bar X") \
X(ERROR_VICTIMS_MISMATCH, "error_victims_mismatch", \
  "{counts}: F+M nao pode passar de V. Ex: ALERTA {ex_area} {ex_form} V3 F1 M2 bar X", \
  "{counts}: F+M cannot exceed V. Ex: ALERT {ex_area} {ex_form} V3 F1 M2 bar X") \
X(ERROR_BAD_PIN, "error_bad_pin", \
  "PIN invalido \"{token}\". Use P e ate 8 algarismos, ex: P1234", \
  "Invalid PIN \"{token}\". Use P and up to 8 digits, e.g. P1234") \
X(ERROR_MISSING_TEXT, "error_missing_text", \
  "Falta o texto. Ex: {cmd} 123 carro azul na praia", \
  "The text is missing. Ex: {cmd} 123 blue car at the beach") \
X(ERROR_USSD, "error_ussd", \
  "Codigo invalido. Marque *{ussd}*ilha*forma*urgencia#, ex: *{ussd}*2*1*1#. Menu: *{ussd}#", \
  "Invalid code. Dial *{ussd}*island*form*urgency#, e.g. *{ussd}*2*1*1#. Menu: *{ussd}#") \
X(USSD_SPOOLED, "ussd_spooled", \
  "Alerta recebido e guardado. A policia sera avisada. O numero do alerta nao esta disponivel agora.", \
  "Alert received and kept. The police will be notified. The alert number is not available now.") \
X(USSD_PENDING, "ussd_pending", \
  "Alerta recebido, a ser guardado. O numero do alerta nao esta disponivel agora. Nao repita.", \
  "Alert received, being stored. The alert number is not available now. Do not repeat it.") \
X(USSD_THANKS, "ussd_thanks", \
  "Obrigado.", \
  "Thank you.") \
X(USSD_BUSY, "ussd_busy", \
  "Servico ocupado. Tente de novo dentro de momentos.", \
  "Service busy. Try again in a moment.") \
X(USSD_MENU_TITLE, "ussd_menu_title", \
  "Farol", \
  "Farol") \
X(USSD_MENU_NEW, "ussd_menu_new", \
  "Novo alerta", \
  "New alert") \
X(USSD_MENU_HELP, "ussd_menu_help", \
  "Ajuda", \
  "Help") \
X(USSD_HELP, "ussd_help", \
  "Marque *{ussd}# e responda com numeros; 0 volta, 00 menu inicial. Ou de uma vez: *{ussd}*ilha*forma*urgencia#, ex: *{ussd}*2*1*1#", \
  "Dial *{ussd}# and answer with numbers; 0 goes back, 00 to the main menu. Or at once: *{ussd}*island*form*urgency#, e.g. *{ussd}*2*1*1#") \
X(USSD_ASK_AREA, "ussd_ask_area", \
  "Ilha do caso:", \
  "Island of the case:") \
X(USSD_ASK_FORM, "ussd_ask_form", \
  "Forma de trafico:", \
  "Form of trafficking:") \
X(USSD_ASK_URGENCY, "ussd_ask_urgency", \
  "Urgencia:", \
  "Urgency:") \
X(USSD_U1, "ussd_u_one", \
  "perigo imediato", \
  "immediate danger") \
X(USSD_U2, "ussd_u_two", \
  "urgente", \
  "urgent") \
X(USSD_U3, "ussd_u_three", \
  "so para o Observatorio", \
  "for the Observatory only") \
X(USSD_ASK_VICTIMS, "ussd_ask_victims", \
  "Numero de vitimas (1 a 999):", \
  "Number of victims (1 to 999):") \
X(USSD_ASK_MINORS, "ussd_ask_minors", \
  "Ha menores?", \
  "Any minors?") \
X(USSD_YES, "ussd_yes", \
  "Sim", \
  "Yes") \
X(USSD_NO, "ussd_no", \
  "Nao", \
  "No") \
X(USSD_UNKNOWN, "ussd_unknown", \
  "Nao sei", \
  "Not known") \
X(USSD_CONFIRM, "ussd_confirm", \
  "Confirma: {summary}?", \
  "Confirm: {summary}?") \
X(USSD_CONFIRM_KEY, "ussd_confirm_key", \
  "Confirmar", \
  "Confirm") \
X(USSD_BAD_CHOICE, "ussd_bad_choice", \
  "Opcao invalida: escolha da lista.", \
  "Invalid choice: pick from the list.") \
X(USSD_BAD_NUMBER, "ussd_bad_number", \
  "Numero invalido: de 1 a 999.", \
  "Invalid number: 1 to 999.") \
X(USSD_MENU_STATUS, "ussd_menu_status", \
  "Estado de um alerta", \
  "Status of an alert") \
X(USSD_ASK_REF, "ussd_ask_ref", \
  "Numero do alerta:", \
  "Alert number:") \
X(USSD_BAD_REF, "ussd_bad_ref", \
  "Numero invalido: o numero do alerta, ex: 123.", \
  "Invalid number: the alert's number, e.g. 123.") \
X(USSD_STATUS_NONE, "ussd_status_none", \
  "Alerta {ref}: sem informacao para este numero.", \
  "Alert {ref}: no information for this number.") \
X(USSD_STATUS_UNAVAILABLE, "ussd_status_unavailable", \
  "O estado nao esta disponivel agora. Tente mais tarde.", \
  "The status is not available now. Try again later.") \
X(ERROR_WHICH_AREA, "error_which_area", \
  "Qual ilha? O texto diz \"{token}\" mas falta o codigo da ilha. Reenvie com o codigo, ex: ALERTA {ex_area} {ex_form} U1 bar X", \
  "Which island? The text says \"{token}\" but the island code is missing. Send again with it, e.g. ALERT {ex_area} {ex_form} U1 bar X") \
X(HELD_RECEIPT, "held_receipt", \
  "Alerta {ref} recebido e retido para verificacao: PIN em falta ou errado. Um administrador vai rever.", \
  "Alert {ref} received and held for review: PIN missing or wrong. An administrator will check it.") \
X(ACK_NOTICE, "ack_notice", \
  "Alerta {ref}: {notified} assumiu o caso. Obrigado.", \
  "Alert {ref}: {notified} has taken charge. Thank you.") \
X(ACK_ALREADY, "ack_already", \
  "Alerta {ref} ja foi assumido por {notified}.", \
  "Alert {ref} was already taken by {notified}.") \
X(RELEASE_RECEIPT, "release_receipt", \
  "Alerta {ref} libertado: encaminhado como se acabasse de chegar.", \
  "Alert {ref} released: routed as if it had just arrived.") \
X(ERROR_NOT_HELD, "error_not_held", \
  "Alerta {ref} nao esta retido: nada a libertar.", \
  "Alert {ref} is not held: nothing to release.") \
X(ACK_TAKEN, "ack_taken", \
  "FAROL {ref}: {notified} assumiu o caso. Nao e preciso ir.", \
  "FAROL {ref}: {notified} has taken charge. No need to go.") \
X(CANCEL_NOTICE, "cancel_notice", \
  "FAROL {ref} ANULADO pelo ponto focal. Nao e preciso agir.", \
  "FAROL {ref} CANCELLED by the focal point. No action needed.") \
X(INFO_FORWARD, "info_forward", \
  "FAROL {ref} INFO: {text}", \
  "FAROL {ref} INFO: {text}") \
X(STATUS, "status", \
  "Alerta {ref}: {notified}.", \
  "Alert {ref}: {notified}.") \
X(ERROR_UNKNOWN_REF, "error_unknown_ref", \
  "Alerta {ref} nao existe. Verifique o numero.", \
  "Alert {ref} does not exist. Check the number.") \
X(ERROR_NOT_ALLOWED, "error_not_allowed", \
  "{cmd} {ref} recusado: este numero nao pode usar {cmd} neste alerta.", \
  "{cmd} {ref} refused: this number may not use {cmd} on this alert.") \
X(ADMIN_UNANSWERED, "admin_unanswered", \
  "FAROL {ref} SEM RESPOSTA de ninguem na escala. {codes}: {text}", \
  "FAROL {ref} NO ANSWER from anyone on the ladder. {codes}: {text}") \
X(ADMIN_HELD, "admin_held", \
  "FAROL {ref} RETIDO, PIN errado ou em falta: {fp_name} {fp_phone}. {codes}: {text}", \
  "FAROL {ref} HELD, wrong or missing PIN: {fp_name} {fp_phone}. {codes}: {text}") \
X(ADMIN_FLOOD, "admin_flood", \
  "FAROL: {fp_phone} em quarentena: {notified}. As mensagens ficam guardadas.", \
  "FAROL: {fp_phone} quarantined: {notified}. Its messages are stored.") \
X(DIGEST, "digest", \
  "FAROL resumo U3 {notified}: {text}", \
  "FAROL U3 digest {notified}: {text}") \
X(NOTIFIED_ONE, "notified_one", \
  "{notified} avisada", \
  "{notified} notified") \
X(NOTIFIED_MANY, "notified_many", \
  "{notified} avisadas", \
  "{notified} notified") \
X(NOTIFIED_OBSERVATORY, "notified_observatory", \
  "Para o Observatorio", \
  "For the Observatory") \
X(NOTIFIED_KEPT, "notified_kept", \
  "Guardado para o Observatorio", \
  "Kept for the Observatory") \
X(NOTIFIED_POLICE, "notified_police", \
  "Policia {area} avisada", \
  "Police {area} notified") \
X(UNVERIFIED, "unverified", \
  "NAO VERIFICADO", \
  "UNVERIFIED") \
X(STATE_RECEIVED, "state_received", \
  "recebido, a encaminhar", \
  "received, being sent") \
X(STATE_INVALID, "state_invalid", \
  "invalido", \
  "invalid") \
X(STATE_FORWARDED, "state_forwarded", \
  "encaminhado", \
  "forwarded") \
X(STATE_DELIVERED, "state_delivered", \
  "entregue, sem OK ainda", \
  "delivered, no OK yet") \
X(STATE_ESCALATED, "state_escalated", \
  "escalado, sem OK ainda", \
  "escalated, no OK yet") \
X(STATE_ACKNOWLEDGED, "state_acknowledged", \
  "assumido", \
  "taken in charge") \
X(STATE_CLOSED, "state_closed", \
  "fechado", \
  "closed") \
X(STATE_CANCELLED, "state_cancelled", \
  "anulado", \
  "cancelled") \
X(STATE_EXPIRED, "state_expired", \
  "expirado", \
  "expired")
