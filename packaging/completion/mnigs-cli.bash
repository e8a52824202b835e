# bash completion for mnigs-cli (mnigs-cli completion bash). mnigs-cli itself says what may come next,
# through its [suggest:POSITION] directive; file names after -f and -o, and where nothing it suggests fits.
_mnigs_cli()
{
    case ${COMP_WORDS[COMP_CWORD-1]} in
        -f | --file | -o | --output) COMPREPLY=(); return ;;
    esac
    local line=${COMP_LINE:0:COMP_POINT}
    local args=${line#*"${COMP_WORDS[0]}"}
    args=${args#"${args%%[! ]*}"}
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "[suggest:${#args}]" "$args" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _mnigs_cli mnigs-cli
