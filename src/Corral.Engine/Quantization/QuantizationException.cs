namespace Corral.Engine.Quantization;

/// <summary>A quantization request that cannot be carried out; the message is meant for end users.</summary>
public sealed class QuantizationException : Exception
{
    public QuantizationException(string message) : base(message) { }

    public QuantizationException(string message, Exception inner) : base(message, inner) { }
}
