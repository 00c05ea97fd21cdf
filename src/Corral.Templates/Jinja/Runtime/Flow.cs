namespace Corral.Templates.Jinja.Runtime;

/// <summary>How a statement list finished: normally, or by <c>break</c>/<c>continue</c> bubbling up to the nearest loop.</summary>
internal enum Flow : byte
{
    Normal,
    Break,
    Continue,
}
