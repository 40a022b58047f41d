/* The help texts: `threat --help` lists the commands, `threat CMD --help`
 * and `threat help CMD` show one command's usage, options and an example.
 * man/threat.1 and doc/cli.md say the same at length
 * (tests/tools/manpages.sh keeps them in step). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char tm_cli_usage_text[] =
    "usage: threat [--color=WHEN] COMMAND [ARGS]\n"
    "\n"
    "  check  FILE...  [--fail-on LEVEL] [--format text|json|sarif|csv] [--today D]\n"
    "                  [--self-check] [--merge]\n"
    "                                   check models and list their findings\n"
    "  report FILE...  [--format md|json|html] [-o OUT] [--today D]\n"
    "                                   the threat-model document\n"
    "  dfd    FILE     [--format dot|mermaid|svg] [--level 0|1] [-o OUT]\n"
    "                                   the data-flow diagram, coloured by risk\n"
    "  new    [--template ge-webapp] [-o FILE]\n"
    "                                   a starting model from the team template\n"
    "  fmt    FILE...  [--check]        rewrite files in the canonical layout\n"
    "  diff   OLD NEW  [--fail-on LEVEL] [--format text|json] [--today D]\n"
    "                                   what a change does to the elements and risks\n"
    "  query  FILE... QUERY [--format text|json] [--today D]\n"
    "                                   ask models a question\n"
    "  repl   [FILE] [--today D]        explore a model interactively\n"
    "  rules  [--pack NAME] [--format text|md] [RULE-ID]\n"
    "                                   list the rules of the packs, or explain one\n"
    "  help   [COMMAND]                 this list, or one command in detail\n"
    "\n"
    "'threat COMMAND --help' shows a command's options and an example.\n"
    "--color=auto|always|never (default auto: on a terminal, unless NO_COLOR is set).\n"
    "Exit status: 0 fine; 1 findings at or above --fail-on, or fmt --check found\n"
    "changes; 2 bad input (syntax, meaning, usage, a failing rule pack).\n"
    "Documentation: threat(1), the language in threat(5); the guides are installed\n"
    "in share/doc/threat.\n";

typedef struct command_help {
	const char *name;
	const char *text;
} command_help;

static const command_help helps[] = {
    {"check", "usage: threat check FILE... [--fail-on LEVEL] [--format text|json|sarif|csv]\n"
              "                    [--today YYYY-MM-DD] [--self-check] [--merge] [--no-rules]\n"
              "                    [--timings]\n"
              "\n"
              "Checks each FILE as its own model (with the files it includes): runs the\n"
              "rule packs, scores and tracks the findings, and prints them, grouped per\n"
              "model when there are several. The exit status is the worst model's.\n"
              "\n"
              "  --fail-on LEVEL   exit 1 on an open or expired finding at or above LEVEL\n"
              "                    (critical, high, medium, low, info)\n"
              "  --format FORMAT   text (default), json, sarif (GitHub code scanning), or\n"
              "                    csv (one row per finding, for a tracker)\n"
              "  --today DATE      the date statuses and due dates are computed for\n"
              "  --self-check      answer the team's review checklist (exit 1 if unmet)\n"
              "  --merge           read all FILEs as the parts of one model\n"
              "  --no-rules        skip the rule packs (hand-written threats only)\n"
              "  --timings         print how long each stage, pack and rule took\n"
              "\n"
              "Example:\n"
              "  threat check --fail-on high model.threat\n"
              "  threat check --format sarif services/*/model.threat > threat.sarif\n"},
    {"report", "usage: threat report FILE... [--format md|json|html] [-o OUT] [--today YYYY-MM-DD]\n"
               "                     [--merge]\n"
               "\n"
               "Writes the threat-model document of a model. --format json takes several\n"
               "FILEs, each its own model, and writes an array of their reports; md and\n"
               "html write one model's document.\n"
               "\n"
               "  --format FORMAT   md (default), json or html\n"
               "  -o, --output OUT  write OUT atomically instead of standard output\n"
               "  --today DATE      the date statuses and due dates are computed for\n"
               "  --merge           read all FILEs as the parts of one model\n"
               "\n"
               "Example:\n"
               "  threat report --format html -o threat-model.html model.threat\n"},
    {"dfd", "usage: threat dfd FILE [--format dot|mermaid|svg] [--level 0|1] [-o OUT]\n"
            "                  [--today YYYY-MM-DD] [--merge]\n"
            "\n"
            "Draws the data-flow diagram of a model, its elements coloured by risk.\n"
            "\n"
            "  --format FORMAT   dot (default, for Graphviz), mermaid or svg\n"
            "  --level LEVEL     0 (default): the top-level elements; 1: each process\n"
            "                    that has parts drawn as a cluster of them\n"
            "  -o, --output OUT  write OUT atomically instead of standard output\n"
            "  --today DATE      the date statuses are computed for\n"
            "  --merge           read all FILEs as the parts of one model\n"
            "\n"
            "Example:\n"
            "  threat dfd --format mermaid model.threat > dfd.mmd\n"},
    {"new", "usage: threat new [--template ge-webapp] [-o FILE] [--today YYYY-MM-DD]\n"
            "\n"
            "Writes a starting model from the team template; FILE is never overwritten.\n"
            "\n"
            "  --template NAME   the template (ge-webapp)\n"
            "  -o, --output FILE the new model's file (default: standard output)\n"
            "  --today DATE      the model's date\n"
            "\n"
            "Example:\n"
            "  threat new -o model.threat && threat check model.threat\n"},
    {"fmt", "usage: threat fmt FILE... [--check]\n"
            "\n"
            "Rewrites each FILE in the canonical layout. A file that does not parse is\n"
            "refused and left untouched.\n"
            "\n"
            "  --check           change nothing: print a diff of what would change and\n"
            "                    exit 1 when a file is not formatted\n"
            "\n"
            "Example:\n"
            "  threat fmt --check *.threat\n"},
    {"diff", "usage: threat diff OLD NEW [--fail-on LEVEL] [--format text|json] [--today YYYY-MM-DD]\n"
             "\n"
             "Compares two versions of a model: elements added, removed or changed, and\n"
             "findings new, resolved or changed.\n"
             "\n"
             "  --fail-on LEVEL   exit 1 on a new or worse open finding at or above LEVEL\n"
             "  --format FORMAT   text (default) or json\n"
             "  --today DATE      the date statuses are computed for\n"
             "\n"
             "Example:\n"
             "  git show main:model.threat > /tmp/before.threat\n"
             "  threat diff /tmp/before.threat model.threat --fail-on high\n"},
    {"query", "usage: threat query FILE... QUERY [--format text|json] [--today YYYY-MM-DD]\n"
              "                    [--merge] [--timings]\n"
              "\n"
              "Runs one query against each model. The first argument is a model, and so\n"
              "is each next one that ends in .threat; the rest is the query, quoted or\n"
              "not. On a terminal a long answer goes through $PAGER (default less -FRX).\n"
              "\n"
              "  --format FORMAT   text (default) or json\n"
              "  --today DATE      the date statuses are computed for\n"
              "  --merge           read all FILEs as the parts of one model\n"
              "  --timings         print how long the load and the query took\n"
              "\n"
              "Example:\n"
              "  threat query model.threat 'threats where risk >= high and status = open'\n"},
    {"repl", "usage: threat repl [FILE] [--today YYYY-MM-DD]\n"
             "\n"
             "Explores a model interactively: the query commands, with history and tab\n"
             "completion; a long answer goes through $PAGER (default less -FRX). Without\n"
             "a terminal it reads commands from standard input, one a line.\n"
             "\n"
             "  --today DATE      the date statuses are computed for\n"
             "\n"
             "Example:\n"
             "  threat repl model.threat\n"
             "  threat> path browser -> db\n"},
    {"rules", "usage: threat rules [--pack NAME]... [--format text|md] [RULE-ID]\n"
              "\n"
              "Lists the rules of the built-in packs (or of the named ones); with a rule\n"
              "id, explains that rule: what it applies to, how it is scored, mitigation.\n"
              "\n"
              "  --pack NAME       a built-in pack or a path to a .lua file (repeatable)\n"
              "  --format FORMAT   text (default) or md\n"
              "\n"
              "Example:\n"
              "  threat rules STRIDE-I-02\n"},
    {"help", "usage: threat help [COMMAND]\n"
             "\n"
             "Lists the commands, or shows one command's usage, options and an example\n"
             "(the same as 'threat COMMAND --help').\n"
             "\n"
             "Example:\n"
             "  threat help check\n"},
};

bool tm_cli_print_help(const char *command)
{
	for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
		if (strcmp(command, helps[i].name) == 0) {
			fputs(helps[i].text, stdout);
			return true;
		}
	}
	return false;
}
