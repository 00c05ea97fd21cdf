namespace Corral.Engine.Gguf;

/// <summary>A file that is not a valid GGUF file. The message names what is wrong and where, for end users.</summary>
public sealed class GgufFormatException : Exception
{
    public GgufFormatException(string message) : base(message) { }
}
