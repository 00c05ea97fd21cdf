namespace Corral.Engine.Tokenizers;

/// <summary>
/// A vocabulary that cannot be loaded or used (unknown tokenizer model, unknown pre-tokenizer, duplicate or
/// missing tokens). The message names the model file key or token at fault and is meant for end users.
/// </summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string message) : base(message) { }
}
