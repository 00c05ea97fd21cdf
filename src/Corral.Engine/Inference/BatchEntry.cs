namespace Corral.Engine.Inference;

/// <summary>One token in a forward batch: which sequence slot it belongs to, its position, and whether its logits are wanted.</summary>
public readonly record struct BatchEntry(int Token, int Position, int Slot, bool WantLogits);
