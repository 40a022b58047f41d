# bash completion for threat(1): commands, their options, the values of
# --format (per command), --fail-on, --level, --color and --template, rule
# ids after `threat rules`, the formats and .json files of `threat import`,
# and .threat files. Installed as
# share/bash-completion/completions/threat; works without the
# bash-completion package too (source it from ~/.bashrc).

_threat_command_options() {
	case $1 in
	check) echo "--fail-on --format --today --self-check --merge --no-rules --timings --strict --include-root --budget --repo --help" ;;
	report) echo "--format -o --output --today --merge --strict --include-root --help" ;;
	dfd) echo "--format --level -o --output --today --merge --strict --include-root --help" ;;
	new) echo "--template -o --output --today --help" ;;
	drift) echo "--repo --services --format --help" ;;
	fmt) echo "--check --diff --help" ;;
	diff) echo "--fail-on --format --today --strict --include-root --help" ;;
	query) echo "--format --today --merge --timings --strict --include-root --help" ;;
	repl) echo "--today --strict --include-root --help" ;;
	lsp) echo "--today --strict --include-root --help" ;;
	rules) echo "--pack --format --attributes --help" ;;
	test) echo "--with-builtins --lenient --format --today --budget --help" ;;
	import) echo "-o --output --force --today --help" ;;
	export) echo "--format -o --output --force --today --merge --strict --include-root --help" ;;
	help) echo "--help" ;;
	esac
}

_threat_formats() {
	case $1 in
	check) echo "text json sarif csv" ;;
	report) echo "md json html" ;;
	dfd) echo "dot mermaid svg" ;;
	diff | query | test) echo "text json" ;;
	drift) echo "text json sarif" ;;
	rules) echo "text md" ;;
	export) echo "otm threat-dragon" ;;
	esac
}

# Completes .threat files and folders.
_threat_model_files() {
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY+=($(compgen -d -- "$1") $(compgen -f -X '!*.threat' -- "$1"))
}

_threat() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="check report dfd new fmt diff query repl lsp rules test drift import export help"
	local command="" i
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--color | --colour)
			case ${COMP_WORDS[i + 1]} in auto | always | never) ((i++)) ;; esac
			;;
		-*) ;;
		*)
			command=${COMP_WORDS[i]}
			break
			;;
		esac
	done

	# --name=value: bash splits it at '=' (COMP_WORDBREAKS)
	local option=$prev
	if [[ $cur == --*=* ]]; then
		option=${cur%%=*}
		cur=${cur#*=}
	elif [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then
		option=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	case $option in
	--format)
		COMPREPLY=($(compgen -W "$(_threat_formats "$command")" -- "$cur"))
		return
		;;
	--fail-on)
		local levels="critical high medium low info"
		[[ $command == diff ]] && levels="review $levels"
		COMPREPLY=($(compgen -W "$levels" -- "$cur"))
		return
		;;
	--level)
		COMPREPLY=($(compgen -W "0 1" -- "$cur"))
		return
		;;
	--color | --colour)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	--template)
		COMPREPLY=($(compgen -W "ge-webapp" -- "$cur"))
		return
		;;
	--today)
		COMPREPLY=($(compgen -W "$(date +%Y-%m-%d)" -- "$cur"))
		return
		;;
	--repo)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--services)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.json' -- "$cur"))
		return
		;;
	--pack)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -W "stride linddun ge-stack llm hygiene governance" -- "$cur")
			$(compgen -d -- "$cur") $(compgen -f -X '!*.lua' -- "$cur"))
		return
		;;
	-o | --output)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--repo)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	esac

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--help --version --color" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_threat_command_options "$command")" -- "$cur"))
		return
	fi
	case $command in
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	new | lsp) ;;
	import)
		if [[ ${COMP_WORDS[COMP_CWORD - 1]} == import ]]; then
			COMPREPLY=($(compgen -W "threagile otm threat-dragon" -- "$cur"))
		else
			local IFS=$'\n'
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.@(y*ml|json)' -- "$cur"))
		fi
		;;
	rules)
		local ids
		ids=$("${COMP_WORDS[0]}" rules 2>/dev/null | awk 'NR > 1 { print $1 }')
		COMPREPLY=($(compgen -W "$ids" -- "$cur"))
		;;
	test)
		# packs (built-in names, .lua files), then fixtures (.threat files, folders)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -W "stride linddun ge-stack hygiene" -- "$cur")
			$(compgen -f -X '!*.lua' -- "$cur"))
		_threat_model_files "$cur"
		;;
	*) _threat_model_files "$cur" ;;
	esac
}

complete -F _threat threat
