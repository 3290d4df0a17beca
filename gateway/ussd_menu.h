/*
 * ussd_menu.h: the USSD menu, one state machine per session, driven by
 * the codebook, in the focal point's language.
 *
 * Pure (no I/O, no clock): the state of a session is the aggregator's
 * `text`, every input so far joined by '*', replayed from the main menu
 * at each step; so a step sent again gets the same screen, and nothing
 * but the text needs keeping. Used by gateway/ussd_http.c and the unit
 * tests (tests/unit/test_ussd_menu.c renders every screen with the
 * longest names the config allows).
 *
 * Main menu: 1 New alert, 2 Help, 3 Status of an alert. New alert asks
 * the area (the sender's registered area first), the form, the urgency,
 * the number of victims, minors (yes, no, unknown), then shows what was
 * understood: 1 confirms. Status asks an alert number; the caller looks
 * it up (out->status_ref) and writes the END screen.
 * 0 goes back a screen, 00 to the main menu; a bad input shows the same
 * screen again, naming the problem.
 */
#ifndef FAROL_USSD_MENU_H
#define FAROL_USSD_MENU_H

#include "codebook.h"
#include "reply.h"

#define USSD_SCREEN_CHARS	182	/* what a USSD screen holds */

struct ussd_menu_in {
	const struct codebook *cb;
	const struct reply_overrides *ov;	/* may be NULL */
	enum reply_lang lang;
	int home_area;		/* the sender's registered area, or -1 */
};

struct ussd_menu_out {
	int end;		/* 1: "END ..." (the session ends) */
	int confirmed;		/* 1: report holds the confirmed alert */
	long status_ref;	/* > 0: the status of this alert is asked */
	char report[64];	/* "*384*7*1*1*2*3#", the single-shot form */
	char screen[USSD_SCREEN_CHARS * 3 + 1];	/* "CON ..." or "END ..." */
};

/* The screen after the inputs of text (NUL-terminated, may be ""). When
 * out->confirmed the caller stores out->report and answers with its
 * alert number instead of out->screen; when out->status_ref > 0 it
 * answers with that alert's status (out->screen is empty). */
void ussd_menu_run(const struct ussd_menu_in *in, const char *text,
    struct ussd_menu_out *out);

/* The END screen of the status of alert ref: state, the state's words
 * ("assumido", decide_reply_state), or NULL for the neutral screen that
 * tells nothing (the alert is not the asker's, or does not exist). */
void ussd_menu_status(const struct ussd_menu_in *in, long ref,
    const char *state, char *screen, size_t size);

#endif
