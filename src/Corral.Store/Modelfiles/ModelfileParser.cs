using System.Text;

namespace Corral.Store.Modelfiles;

/// <summary>
/// The Modelfile lexer (runtime.md §5.1), a port of upstream's rune-by-rune state machine so that every edge case —
/// quotes spanning lines, dropped control characters, CR and LF both counting as line breaks, error line numbers —
/// behaves the same.
/// </summary>
internal static class ModelfileParser
{
    private enum State { Nil, Name, Value, Parameter, Message, Comment }

    public const string InvalidCommand =
        "command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\"";
    public const string InvalidMessageRole = "message role must be one of \"system\", \"user\", or \"assistant\"";
    public const string UnexpectedEof = "unexpected EOF";
    public const string NoFrom = "no FROM line";

    private readonly struct Step(State next, Rune? emit, string? error = null, bool eof = false)
    {
        public State Next { get; } = next;
        public Rune? Emit { get; } = emit;
        public string? Error { get; } = error;
        public bool UnexpectedEof { get; } = eof;
    }

    public static Modelfile Parse(string text)
    {
        var commands = new List<ModelfileCommand>();
        var buffer = new StringBuilder();
        var state = State.Nil;
        int line = 1;
        ModelfileInstruction instruction = ModelfileInstruction.From;
        string? key = null;   // parameter name
        string? role = null;  // message role

        foreach (var r in GoFormat.EnumerateRunes(text))
        {
            if (IsNewline(r)) line++;
            var step = Next(r, state);
            if (step.UnexpectedEof) throw new ModelfileException(UnexpectedEof + ": " + buffer);
            if (step.Error is not null) throw new ModelfileException(step.Error, line);

            var next = step.Next;
            if (next != state)
            {
                switch (state)
                {
                    case State.Name:
                    {
                        string word = buffer.ToString();
                        if (!TryInstruction(word, out instruction)) throw new ModelfileException(InvalidCommand, line);
                        if (instruction == ModelfileInstruction.Parameter) next = State.Parameter;
                        else if (instruction == ModelfileInstruction.Message) next = State.Message;
                        break;
                    }
                    case State.Parameter:
                        key = buffer.ToString();
                        break;
                    case State.Message:
                        role = buffer.ToString();
                        if (role is not ("system" or "user" or "assistant")) throw new ModelfileException(InvalidMessageRole, line);
                        break;
                    case State.Value:
                    {
                        var (value, balanced) = Unquote(buffer.ToString().Trim());
                        if (!balanced || IsSpace(r))
                        {
                            // Spaces inside a value, and newlines inside an open quote, belong to the value.
                            buffer.Append(r.ToString());
                            continue;
                        }
                        commands.Add(MakeCommand(instruction, value, key, role));
                        role = null;
                        break;
                    }
                }
                buffer.Clear();
                state = next;
            }

            if (step.Emit is { } emit && GoFormat.IsPrint(emit)) buffer.Append(emit.ToString());
        }

        switch (state)
        {
            case State.Comment or State.Nil:
                break;
            case State.Value:
            {
                var (value, balanced) = Unquote(buffer.ToString().Trim());
                if (!balanced) throw new ModelfileException(UnexpectedEof);
                commands.Add(MakeCommand(instruction, value, key, role));
                break;
            }
            default:
                throw new ModelfileException(UnexpectedEof);
        }

        if (!commands.Any(c => c.Instruction == ModelfileInstruction.From)) throw new ModelfileException(NoFrom);
        return new Modelfile(commands);
    }

    private static ModelfileCommand MakeCommand(ModelfileInstruction instruction, string value, string? key, string? role) => instruction switch
    {
        ModelfileInstruction.Parameter => new ModelfileCommand(instruction, value, key),
        ModelfileInstruction.Message => new ModelfileCommand(instruction, value, role),
        _ => new ModelfileCommand(instruction, value),
    };

    private static Step Next(Rune r, State state)
    {
        switch (state)
        {
            case State.Nil:
                if (r.Value == '#') return new(State.Comment, null);
                if (IsSpace(r) || IsNewline(r)) return new(State.Nil, null);
                return new(State.Name, r);
            case State.Name:
                if (IsAlpha(r)) return new(State.Name, r);
                if (IsSpace(r)) return new(State.Value, null);
                return new(State.Nil, null, InvalidCommand);
            case State.Value:
                if (IsNewline(r) || IsSpace(r)) return new(State.Nil, r);
                return new(State.Value, r);
            case State.Parameter:
                if (IsAlpha(r) || r.Value is >= '0' and <= '9' or '_') return new(State.Parameter, r);
                if (IsSpace(r)) return new(State.Value, null);
                return new(State.Nil, null, eof: true);
            case State.Message:
                if (IsAlpha(r)) return new(State.Message, r);
                if (IsSpace(r)) return new(State.Value, null);
                return new(State.Nil, null, eof: true);
            case State.Comment:
                return IsNewline(r) ? new(State.Nil, null) : new(State.Comment, null);
            default:
                return new(State.Nil, null, "");
        }
    }

    /// <summary><c>"""x"""</c> (at least six characters) or <c>"x"</c> → inner text; unbalanced → not ok; otherwise literal.</summary>
    internal static (string Value, bool Ok) Unquote(string s)
    {
        if (s.StartsWith("\"\"\"", StringComparison.Ordinal))
            return s.Length >= 6 && s.EndsWith("\"\"\"", StringComparison.Ordinal) ? (s[3..^3], true) : ("", false);
        if (s.StartsWith('"'))
            return s.Length >= 2 && s.EndsWith('"') ? (s[1..^1], true) : ("", false);
        return (s, true);
    }

    private static bool TryInstruction(string word, out ModelfileInstruction instruction)
    {
        switch (word.ToLowerInvariant())
        {
            case "from": instruction = ModelfileInstruction.From; return true;
            case "license": instruction = ModelfileInstruction.License; return true;
            case "template": instruction = ModelfileInstruction.Template; return true;
            case "system": instruction = ModelfileInstruction.System; return true;
            case "adapter": instruction = ModelfileInstruction.Adapter; return true;
            case "draft": instruction = ModelfileInstruction.Draft; return true;
            case "renderer": instruction = ModelfileInstruction.Renderer; return true;
            case "parser": instruction = ModelfileInstruction.Parser; return true;
            case "parameter": instruction = ModelfileInstruction.Parameter; return true;
            case "message": instruction = ModelfileInstruction.Message; return true;
            case "requires": instruction = ModelfileInstruction.Requires; return true;
            default: instruction = default; return false;
        }
    }

    private static bool IsAlpha(Rune r) => r.Value is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
    private static bool IsSpace(Rune r) => r.Value is ' ' or '\t';
    private static bool IsNewline(Rune r) => r.Value is '\r' or '\n';
}
