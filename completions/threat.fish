# fish completion for threat(1): commands, their options and option values,
# rule ids after `threat rules`, and .threat files. Installed as
# share/fish/vendor_completions.d/threat.fish.

set -l commands check report dfd new fmt diff query repl lsp rules test drift import export help

complete -c threat -f
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a check -d 'check models and list their findings'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a report -d 'the threat-model document'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a dfd -d 'the data-flow diagram, coloured by risk'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a new -d 'a starting model from the team template'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a fmt -d 'rewrite files in the canonical layout'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a diff -d 'what a change does to the elements and risks'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a query -d 'ask models a question'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a repl -d 'explore a model interactively'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a lsp -d 'the language server, for editors'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a rules -d 'list the rules of the packs, or explain one'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a drift -d 'services the code uses that the model lacks'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a import -d "a .threat model from another tool's file"
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a test -d 'run rule packs on their fixture models'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a export -d 'a model and its findings for another tool'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -a help -d 'the commands, or one command in detail'
complete -c threat -n "not __fish_seen_subcommand_from $commands" -l version -d 'print the version'
complete -c threat -l color -x -a 'auto always never' -d 'when to colour the output'
complete -c threat -s h -l help -d 'show the usage, options and an example'

# Files ending in SUFFIX, and folders, that start with the word under the
# cursor.
function __threat_complete_files --argument-names suffix
	for path in (commandline -ct)*
		if test -d $path
			echo $path/
		else if string match -q -- "*$suffix" $path
			echo $path
		end
	end
end

complete -c threat -n "__fish_seen_subcommand_from check report dfd fmt diff query repl export" \
	-a '(__threat_complete_files .threat)'
complete -c threat -n "__fish_seen_subcommand_from import; and not __fish_seen_subcommand_from otm threat-dragon threagile" \
	-a 'otm threat-dragon threagile' -d 'the format to read'
complete -c threat -n "__fish_seen_subcommand_from otm threat-dragon" -a '(__threat_complete_files .json)'

complete -c threat -n "__fish_seen_subcommand_from check" -l fail-on -x -a 'critical high medium low info' -d 'exit 1 at or above this risk'
complete -c threat -n "__fish_seen_subcommand_from diff" -l fail-on -x -a 'review critical high medium low info' -d 'exit 1 at or above this risk, or on a change that needs a review'
complete -c threat -n "__fish_seen_subcommand_from check" -l format -x -a 'text json sarif csv' -d 'the output format'
complete -c threat -n "__fish_seen_subcommand_from check" -l self-check -d 'answer the review checklist'
complete -c threat -n "__fish_seen_subcommand_from check" -l no-rules -d 'skip the rule packs'
complete -c threat -n "__fish_seen_subcommand_from check" -l budget -x -d 'seconds for the rule packs of the run'
complete -c threat -n "__fish_seen_subcommand_from check" -l repo -x -a '(__fish_complete_directories)' -d 'the repository the model lives in'
complete -c threat -n "__fish_seen_subcommand_from check report dfd diff query repl lsp export" -l strict -d 'attributes outside the vocabulary are errors'
complete -c threat -n "__fish_seen_subcommand_from check report dfd diff query repl lsp export" -l include-root -x -a '(__fish_complete_directories)' -d 'include may also read .threat files under DIR'
complete -c threat -n "__fish_seen_subcommand_from rules" -l attributes -d 'list the attribute vocabulary'
complete -c threat -n "__fish_seen_subcommand_from check query" -l timings -d 'print how long each stage took'
complete -c threat -n "__fish_seen_subcommand_from check report dfd query export" -l merge -d 'read all FILEs as the parts of one model'
complete -c threat -n "__fish_seen_subcommand_from check report dfd new diff query repl lsp export" -l today -x -d 'the date (YYYY-MM-DD)'
complete -c threat -n "__fish_seen_subcommand_from report" -l format -x -a 'md json html' -d 'the document format'
complete -c threat -n "__fish_seen_subcommand_from dfd" -l format -x -a 'dot mermaid svg' -d 'the diagram format'
complete -c threat -n "__fish_seen_subcommand_from dfd" -l level -x -a '0 1' -d 'the diagram level'
complete -c threat -n "__fish_seen_subcommand_from report dfd new" -s o -l output -r -F -d 'write to a file'
complete -c threat -n "__fish_seen_subcommand_from threagile" -a '(__threat_complete_files .yaml; __threat_complete_files .yml)'
complete -c threat -n "__fish_seen_subcommand_from drift" -l repo -x -a '(__fish_complete_directories)' -d 'the repository'
complete -c threat -n "__fish_seen_subcommand_from drift" -l services -r -a '(__threat_complete_files .json)' -d 'a JSON table of more services'
complete -c threat -n "__fish_seen_subcommand_from drift" -l format -x -a 'text json sarif' -d 'the output format'
complete -c threat -n "__fish_seen_subcommand_from drift" -a '(__threat_complete_files .threat)'
complete -c threat -n "__fish_seen_subcommand_from import" -s o -l output -r -F -d 'write to a new file'
complete -c threat -n "__fish_seen_subcommand_from import" -l today -x -d 'the date (YYYY-MM-DD)'
complete -c threat -n "__fish_seen_subcommand_from export" -s o -l output -r -F -d 'write to a file'
complete -c threat -n "__fish_seen_subcommand_from export" -l format -x -a 'otm threat-dragon' -d 'the format to write'
complete -c threat -n "__fish_seen_subcommand_from import export" -l force -d 'replace the -o file when it exists'
complete -c threat -n "__fish_seen_subcommand_from new" -l template -x -a ge-webapp -d 'the template'
complete -c threat -n "__fish_seen_subcommand_from fmt" -l check -d 'print what would change; exit 1 if any'
complete -c threat -n "__fish_seen_subcommand_from fmt" -l diff -d 'print what would change'
complete -c threat -n "__fish_seen_subcommand_from diff query" -l format -x -a 'text json' -d 'the output format'
complete -c threat -n "__fish_seen_subcommand_from rules" -l format -x -a 'text md' -d 'the output format'
complete -c threat -n "__fish_seen_subcommand_from rules" -l pack -x -a 'stride linddun ge-stack llm hygiene governance (__threat_complete_files .lua)' -d 'a built-in pack or a .lua file'
complete -c threat -n "__fish_seen_subcommand_from rules" -a '(threat rules 2>/dev/null | tail -n +2 | string replace -r " .*" "")' -d 'rule'
complete -c threat -n "__fish_seen_subcommand_from test" -a 'stride linddun ge-stack hygiene (__threat_complete_files .lua) (__threat_complete_files .threat)' -d 'a pack or a fixture'
complete -c threat -n "__fish_seen_subcommand_from test" -l with-builtins -d 'load the built-in packs too'
complete -c threat -n "__fish_seen_subcommand_from test" -l lenient -d 'a finding no expect names is not a failure'
complete -c threat -n "__fish_seen_subcommand_from test" -l format -x -a 'text json' -d 'the output format'
complete -c threat -n "__fish_seen_subcommand_from test" -l today -x -d 'the date for fixtures without # today:'
complete -c threat -n "__fish_seen_subcommand_from test" -l budget -x -d 'seconds for each fixture'"'"'s rule packs'
complete -c threat -n "__fish_seen_subcommand_from help" -a "$commands"
