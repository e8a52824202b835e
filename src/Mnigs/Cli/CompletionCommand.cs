using System.CommandLine;

namespace Mnigs.Cli;

/// <summary>
/// <c>mnigs-cli completion bash|zsh</c>: a completion script for the shell. The script asks mnigs-cli itself
/// what may come next, through System.CommandLine's <c>[suggest:POSITION]</c> directive, so completion
/// always matches the installed commands and options. After -f and -o, which take a file, and wherever
/// mnigs-cli suggests nothing that fits, the shell completes file names (the directive would offer the
/// options again there). The packages install the same scripts (packaging/completion/).
/// </summary>
public static class CompletionCommand
{
    public static Command Create()
    {
        var command = new Command("completion", "Print a shell completion script: source <(mnigs-cli completion bash)");
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        command.Arguments.Add(shell);
        command.SetAction(r => Console.Write(Script(r.GetValue(shell)!)));
        return command;
    }

    public static string Script(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "bash or zsh"),
    };

    private const string Bash = """
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

        """;

    private const string Zsh = """
        #compdef mnigs-cli
        # zsh completion for mnigs-cli (mnigs-cli completion zsh). mnigs-cli itself says what may come next,
        # through its [suggest:POSITION] directive; file names after -f and -o, and where it suggests nothing.
        _mnigs_cli()
        {
            case ${words[CURRENT-1]} in
                -f|--file|-o|--output) _files; return ;;
            esac
            local args="${(j: :)${(@)words[2,CURRENT]}}"
            local -a suggestions
            suggestions=("${(@f)$(${words[1]} "[suggest:${#args}]" "$args" 2>/dev/null)}")
            suggestions=(${suggestions:#})
            if (( ${#suggestions} )); then
                compadd -- "${suggestions[@]}"
            else
                _files
            fi
        }
        if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
            _mnigs_cli "$@"
        else
            compdef _mnigs_cli mnigs-cli
        fi

        """;
}
