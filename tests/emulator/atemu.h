/*
 * atemu.h: state shared by the files of farol-atemu, the AT modem
 * emulator used by the `modem` test suite (not installed, not linked into
 * farol). Each section is the API of one file:
 *   line.c    the pseudo-terminal, its stable symlink, raw bytes in and out
 *   atcmd.c   AT command dispatch (what gammu's AT driver asks)
 *   sim.c     the SIM message store and delivery of network events
 *   control.c the Unix control socket used by tests
 * The emulator is a single thread around poll(); nothing may block.
 */
#ifndef ATEMU_H
#define ATEMU_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "pdu.h"

#define EMU_MAX_SLOTS		255
#define EMU_MAX_FAULTS		8
#define EMU_MAX_CLIENTS		8
#define EMU_MAX_USSD		8

struct emu_slot {
	int	used;
	int	stat;			/* 0 unread, 1 read */
	int	tpdu_len;
	char	pdu[PDU_MAX_HEX];
};

struct emu_fault {
	char	prefix[32];		/* e.g. "AT+CMGS" */
	int	code;			/* +CMS ERROR code */
	int	count;			/* remaining; -1 forever */
};

struct emu_ussd {
	char	code[32];
	char	text[200];
};

struct emu_sent {
	int	mr;
	char	pdu[PDU_MAX_HEX];
};

struct emu_client {
	int	fd;
	char	buf[8192];
	size_t	len;
};

struct emu_stats {
	unsigned long	commands;
	unsigned long	errors;
	unsigned long	cmgl;
	unsigned long	cmgr;
	unsigned long	cmgd;
	unsigned long	cmgs;
	unsigned long	cusd;
	unsigned long	urcs;
	unsigned long	dropped;	/* bytes read while hung or unplugged */
	unsigned long	inits;		/* ATE1 seen: gammu (re)initialised */
};

struct emu {
	/* configuration */
	char			 dir[PATH_MAX - 64];
	char			 link[PATH_MAX];
	char			 ctl_path[PATH_MAX];
	int			 verbose;
	int			 nslots;
	int			 echo_pdu;	/* echo the PDU typed after "> " */

	/* pseudo-terminal (line.c) */
	int			 master;	/* -1 when unplugged */
	int			 slave;
	char			 slave_name[64];
	char			 in[4096];	/* current command line */
	size_t			 inlen;
	int			 in_pdu;	/* after "> ", reading hex until ^Z */
	int			 pdu_len_announced;
	char			 pdu[1024];
	size_t			 pdulen;
	char			*out;		/* pending output to the master */
	size_t			 outlen, outsz;
	char			*urc;		/* unsolicited lines held while busy */
	size_t			 urclen, urcsz;
	int64_t			 hang_until;	/* ms, 0 = answering, -1 forever */
	char			 unplug_on[32];	/* unplug at this command ("" none) */

	/* modem settings (atcmd.c) */
	int			 echo;
	int			 cmee;
	char			 cscs[16];
	int			 cnmi[5];
	int			 creg_n, cgreg_n;
	int			 cops_format;
	int			 cusd_enabled;
	int			 pin_required;	/* SIM locked until pin entered */
	char			 pin[16];
	int			 pin_attempts;	/* wrong PINs entered */
	struct emu_fault	 faults[EMU_MAX_FAULTS];
	struct emu_ussd		 ussd[EMU_MAX_USSD];
	int			 nussd;
	char			 ussd_default[200];
	int			 next_mr;
	struct emu_sent		*sent;
	size_t			 nsent, sentsz;

	/* SIM store (sim.c) */
	struct emu_slot		 slots[EMU_MAX_SLOTS];
	int			 sim_full;

	/* control (control.c) */
	int			 listen_fd;
	struct emu_client	 clients[EMU_MAX_CLIENTS];
	int			 quit;

	struct emu_stats	 stats;
};

/* line.c */
int	line_open(struct emu *, const char **errstr);
void	line_close(struct emu *);
int	line_replug(struct emu *, const char **errstr);
void	line_read(struct emu *);
int	line_flush(struct emu *);
void	line_write(struct emu *, const char *, size_t);
void	line_printf(struct emu *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	line_urc(struct emu *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	line_flush_urcs(struct emu *);
int64_t	line_now_ms(void);
void	line_log(struct emu *, const char *dir, const char *, size_t);

/* atcmd.c */
void	atcmd_init(struct emu *);
void	atcmd_execute(struct emu *, const char *cmd);
void	atcmd_submit_pdu(struct emu *, const char *hex);
void	atcmd_cancel_pdu(struct emu *);
int	atcmd_add_fault(struct emu *, const char *prefix, int code, int count);
int	atcmd_set_ussd(struct emu *, const char *code, const char *text);
void	atcmd_send_cusd(struct emu *, int status, const char *text);

/* sim.c */
int	sim_store(struct emu *, const char *pdu, int tpdu_len, int *slot);
int	sim_used(const struct emu *);
int	sim_deliver(struct emu *, const char *from, enum pdu_coding,
	    const char *text, size_t len, int notify, int *slot,
	    const char **errstr);
int	sim_deliver_multi(struct emu *, const char *from, enum pdu_coding,
	    int ref, const char *order, const char *text, size_t len,
	    int notify, const char **errstr);
int	sim_send_cmt(struct emu *, const char *from, enum pdu_coding,
	    const char *text, size_t len, const char **errstr);
int	sim_send_cds(struct emu *, int mr, const char *recipient, int status,
	    const char **errstr);

/* control.c */
int	control_open(struct emu *, const char **errstr);
void	control_close(struct emu *);
void	control_accept(struct emu *);
void	control_read(struct emu *, struct emu_client *);

#endif /* ATEMU_H */
