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
	fmt) echo "--check --diff --help" ;;
	diff) echo "--fail-on --format --today --strict --include-root --help" ;;
	query) echo "--format --today --merge --timings --strict --include-root --help" ;;
	repl) echo "--today --strict --include-root --help" ;;
	rules) echo "--pack --format --attributes --help" ;;
	import) echo "-o --output --force --help" ;;
	export) echo "--format -o --output --force --today --merge --strict --include-root --help" ;;
	help) echo "--help" ;;
	esac
}

_threat_formats() {
	case $1 in
	check) echo "text json sarif csv" ;;
	report) echo "md json html" ;;
	dfd) echo "dot mermaid svg" ;;
	diff | query) echo "text json" ;;
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
	local commands="check report dfd new fmt diff query repl rules import export help"
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
	new) ;;
	import)
		# the format first, then the file to read (JSON)
		local words=0 j
		for ((j = i + 1; j < COMP_CWORD; j++)); do
			case ${COMP_WORDS[j]} in
			-o | --output) ((j++)) ;;
			-*) ;;
			*) ((words++)) ;;
			esac
		done
		if ((words == 0)); then
			COMPREPLY=($(compgen -W "otm threat-dragon" -- "$cur"))
		else
			local IFS=$'\n'
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.json' -- "$cur"))
		fi
		;;
	rules)
		local ids
		ids=$("${COMP_WORDS[0]}" rules 2>/dev/null | awk 'NR > 1 { print $1 }')
		COMPREPLY=($(compgen -W "$ids" -- "$cur"))
		;;
	*) _threat_model_files "$cur" ;;
	esac
}

complete -F _threat threat
