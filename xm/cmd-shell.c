/* cmd-shell.c: xm shell, the classic interactive prompt on readline:
 * line editing, a history kept in ~/.xm_history, completion of commands,
 * options and domain names; each line runs as an xm command in this
 * process (xm_run), over the one connection to xend the RPC client
 * keeps alive between calls. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "rpc.h"
#include "xm.h"
#include "xu.h"

#define SHELL_PROMPT	"xm> "
#define SHELL_BANNER	"The Xen Master. Type \"help\" for a list of functions."
#define SHELL_HISTORY	".xm_history"
#define SHELL_HISTORY_MAX	1000
#define SHELL_MAX_WORDS	256

static volatile sig_atomic_t interrupted;

/* ---- words ------------------------------------------------------------ */

/* Splits a line into words as a shell would for simple commands:
 * blanks separate, '...' keeps everything, "..." keeps all but \" and
 * \\, a backslash quotes the next character. Returns the count, or -1
 * (why filled) for an unterminated quote or too many words. The words
 * are written into buf, which must be as long as the line plus one. */
static int
split_words(const char *line, char *buf, char **words, int max,
    const char **why)
{
	const char *p = line;
	char *o = buf;
	int n = 0;

	for (;;) {
		bool in_word = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return n;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		words[n] = o;
		while (*p && *p != ' ' && *p != '\t') {
			in_word = true;
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (end == NULL) {
					*why = "unterminated quote (')";
					return -1;
				}
				memcpy(o, p + 1, (size_t)(end - p - 1));
				o += end - p - 1;
				p = end + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					*o++ = *p;
				}
				if (*p != '"') {
					*why = "unterminated quote (\")";
					return -1;
				}
				p++;
			} else if (*p == '\\' && p[1] != '\0') {
				*o++ = p[1];
				p += 2;
			} else {
				*o++ = *p++;
			}
		}
		if (in_word) {
			*o++ = '\0';
			n++;
		}
	}
}

/* ---- completion ---------------------------------------------------------- */

static const char *const shell_words[] = { "help", "quit", "exit" };

/* The candidates of this completion, made once at its first call. */
static struct {
	char **v;
	size_t n, next;
} cands;

static void
cands_clear(void)
{
	size_t i;

	for (i = 0; i < cands.n; i++)
		free(cands.v[i]);
	free(cands.v);
	memset(&cands, 0, sizeof(cands));
}

static void
cands_add(const char *word, const char *prefix)
{
	size_t i;

	if (strncmp(word, prefix, strlen(prefix)) != 0)
		return;
	for (i = 0; i < cands.n; i++)
		if (strcmp(cands.v[i], word) == 0)
			return;
	cands.v = xu_realloc(cands.v, (cands.n + 1) * sizeof(char *));
	cands.v[cands.n++] = xu_strdup(word);
}

static void
add_commands(const char *prefix)
{
	size_t i;

	for (i = 0; i < xm_ncommands; i++)
		if (!(xm_commands[i].flags & XM_CMD_XEN_ONLY))
			cands_add(xm_commands[i].name, prefix);
	for (i = 0; i < sizeof(shell_words) / sizeof(shell_words[0]); i++)
		cands_add(shell_words[i], prefix);
}

static void
add_options(const struct xm_cmd *c, const char *prefix)
{
	const struct xm_opt *o;
	char word[64];

	cands_add("--help", prefix);
	for (o = c->opts; o && o->key != 0; o++) {
		if (o->key < XM_OPT_LONG_ONLY) {
			snprintf(word, sizeof(word), "-%c", o->key);
			cands_add(word, prefix);
		}
		if (o->long_name) {
			snprintf(word, sizeof(word), "--%s", o->long_name);
			cands_add(word, prefix);
		}
	}
}

/* Every domain's name, asked of xend (quietly: no xend, no names). */
static void
add_domains(const char *prefix)
{
	struct xv *params = xv_list(), *names = NULL;
	struct xm_rpc_err err;
	size_t i;

	xv_append(params, xv_bool(false));
	xv_append(params, xv_str("all"));
	if (xm_rpc_invoke(xm_rpc_server_uri(), "xend.domains_with_state", params,
	    xm_rpc_timeout(), &names, &err) == XM_RPC_OK && xv_is_list(names)) {
		for (i = 0; i < xv_len(names); i++) {
			const char *name = xv_string(xv_at(names, i));

			if (name != NULL)
				cands_add(name, prefix);
		}
	}
	xv_free(names);
	xv_free(params);
}

static char *
next_candidate(const char *text, int state)
{
	return cands.next < cands.n ? xu_strdup(cands.v[cands.next++]) : NULL;
}

/* Commands for the first word, the command's options for a word that
 * starts with '-', domain names elsewhere; file names for commands that
 * read a file (create, new, restore...) as readline does by default. */
static char **
complete(const char *text, int start, int end)
{
	const char *line = rl_line_buffer;
	const struct xm_cmd *c;
	char first[64];
	size_t len;

	cands_clear();
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "xm ", 3) == 0 && line - rl_line_buffer + 3 <= start)
		for (line += 3; *line == ' ' || *line == '\t'; line++)
			;
	len = strcspn(line, " \t");
	if (line + len >= rl_line_buffer + start) {
		add_commands(text);
	} else {
		snprintf(first, sizeof(first), "%.*s", (int)len, line);
		if ((c = xm_find_command(first)) == NULL)
			return NULL;
		if (text[0] == '-') {
			add_options(c, text);
		} else if (strstr(c->argstring, "File") != NULL) {
			rl_attempted_completion_over = 0;
			return NULL;
		} else {
			add_domains(text);
		}
	}
	rl_attempted_completion_over = 1;
	if (cands.n == 0)
		return NULL;
	return rl_completion_matches(text, next_candidate);
}

/* ---- history --------------------------------------------------------- */

static char *
history_path(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if ((home == NULL || *home == '\0') && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || *home == '\0')
		return NULL;
	return xu_asprintf("%s/" SHELL_HISTORY, home);
}

/* ---- the loop ---------------------------------------------------------- */

static void
on_sigint(int sig)
{
	interrupted = 1;
}

/* Ctrl-C at the prompt drops the line being typed, as in a shell. */
static int
after_signal(void)
{
	if (interrupted) {
		interrupted = 0;
		rl_replace_line("", 0);
		rl_done = 1;
	}
	return 0;
}

static bool
is_word(const char *w, const char *a, const char *b)
{
	return strcmp(w, a) == 0 || (b != NULL && strcmp(w, b) == 0);
}

/* One line: false when the shell should end. */
static bool
run_line(const char *line, int *last)
{
	char *buf = xu_malloc(strlen(line) + 1);
	char *words[SHELL_MAX_WORDS + 1];
	const struct xm_cmd *c;
	const char *why = NULL;
	char **argv = words;
	int n;
	bool go_on = true;

	n = split_words(line, buf, words + 1, SHELL_MAX_WORDS, &why);
	if (n < 0) {
		xm_error("%s", why);
		*last = XM_EXIT_USAGE;
		goto out;
	}
	if (n > 0 && strcmp(words[1], "xm") == 0) {
		argv++;		/* a leading "xm" is dropped, as classic's */
		n--;
	}
	if (n == 0)
		goto out;
	if (is_word(argv[1], "quit", "exit")) {
		go_on = false;
		goto out;
	}
	if ((c = xm_find_command(argv[1])) != NULL && c->exec == xm_cmd_shell) {
		xm_error("already in xm shell");
		*last = XM_EXIT_ERROR;
		goto out;
	}
	argv[0] = (char *)"xm";
	*last = xm_run(n + 1, argv);
	fflush(stdout);
	fflush(stderr);
out:
	free(buf);
	return go_on;
}

int
xm_cmd_shell(struct xm_ctx *ctx, struct xm_args *args)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	char *hist = history_path(), *line;
	int last = XM_EXIT_OK;

	rl_readline_name = "xm";
	rl_attempted_completion_function = complete;
	rl_signal_event_hook = after_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	using_history();
	stifle_history(SHELL_HISTORY_MAX);
	if (hist != NULL)
		(void)read_history(hist);
	puts(SHELL_BANNER);
	while ((line = readline(SHELL_PROMPT)) != NULL) {
		bool go_on;

		if (line[strspn(line, " \t")] != '\0') {
			HIST_ENTRY *prev = history_get(history_base + history_length - 1);

			if (prev == NULL || strcmp(prev->line, line) != 0)
				add_history(line);
		}
		go_on = run_line(line, &last);
		free(line);
		if (!go_on)
			break;
	}
	if (line == NULL)
		putchar('\n');	/* end of input: leave the prompt's line */
	if (hist != NULL && write_history(hist) != 0)
		xm_warn("cannot write %s: %s", hist, strerror(errno));
	free(hist);
	cands_clear();
	signal(SIGINT, SIG_DFL);
	/* the shell's status is the last command's, as a shell's is */
	return last;
}
