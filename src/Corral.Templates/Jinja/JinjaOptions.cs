namespace Corral.Templates.Jinja;

/// <summary>
/// Environment settings. The defaults are Hugging Face's <c>apply_chat_template</c> environment:
/// <c>trim_blocks</c>, <c>lstrip_blocks</c>, loop controls, a mutable sandbox, <c>raise_exception</c> and <c>strftime_now</c>.
/// </summary>
public sealed record JinjaOptions
{
    public static JinjaOptions Default { get; } = new();

    /// <summary>Drop the first newline after a block tag (<c>%}</c>) or comment.</summary>
    public bool TrimBlocks { get; init; } = true;

    /// <summary>Drop spaces and tabs between the start of a line and a block tag or comment.</summary>
    public bool LstripBlocks { get; init; } = true;

    /// <summary>Keep a single newline at the very end of the template (Jinja2 drops it by default).</summary>
    public bool KeepTrailingNewline { get; init; }

    /// <summary>Local time used by <c>strftime_now</c>; inject a fixed clock for reproducible prompts.</summary>
    public Func<DateTime> Now { get; init; } = () => DateTime.Now;

    /// <summary>Nesting limit for macro calls and recursive loops, so runaway templates fail instead of overflowing the stack.</summary>
    public int MaxRecursionDepth { get; init; } = 200;
}
