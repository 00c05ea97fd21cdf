namespace Corral.Engine.Tokenizers;

public sealed partial class Vocabulary
{
    // Token texts that llama.cpp recognises by name at load (spec A2.4). Matching them changes which
    // tokens stop generation and which are split out of prompts, so the lists must stay exact.
    private static readonly string[] s_eotTexts =
        ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"];
    private static readonly string[] s_eomTexts = ["<|eom_id|>"];
    private static readonly string[] s_fimPreTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
    private static readonly string[] s_fimSufTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
    private static readonly string[] s_fimMidTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
    private static readonly string[] s_fimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
    private static readonly string[] s_fimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
    private static readonly string[] s_fimSepTexts = ["<|file_sep|>"];
    private static readonly HashSet<string> s_eogTexts = new(StringComparer.Ordinal)
    {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>",
        "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
        "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    };
    private static readonly string[] s_alwaysRenderedTexts = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"];

    /// <summary>
    /// Spec A2.4 steps 1–13. llama.cpp walks an unordered hash map, so "first match wins" is unspecified
    /// there; we walk ids in ascending order, which is deterministic and agrees whenever only one token
    /// carries a given text (every vocabulary we know of).
    /// </summary>
    private void DetectSpecialTokens()
    {
        Eot = Eot != NullToken ? Eot : FindFirstAndMarkControl(s_eotTexts);
        Eom = Eom != NullToken ? Eom : FindFirstAndMarkControl(s_eomTexts);
        FimPrefix = FimPrefix != NullToken ? FimPrefix : FindFirstAndMarkControl(s_fimPreTexts);
        FimSuffix = FimSuffix != NullToken ? FimSuffix : FindFirstAndMarkControl(s_fimSufTexts);
        FimMiddle = FimMiddle != NullToken ? FimMiddle : FindFirstAndMarkControl(s_fimMidTexts);
        FimPad = FimPad != NullToken ? FimPad : FindFirstAndMarkControl(s_fimPadTexts);
        FimRepo = FimRepo != NullToken ? FimRepo : FindFirstAndMarkControl(s_fimRepTexts);
        FimSeparator = FimSeparator != NullToken ? FimSeparator : FindFirstAndMarkControl(s_fimSepTexts);

        for (int id = 0; id < Count; id++)
        {
            if ((_attributes[id] & TokenAttributes.Control) != 0 && _index[id].IndexOf("unused"u8) >= 0)
                _attributes[id] |= TokenAttributes.Unused;
        }

        if (FimPad != NullToken) _eog.Add(FimPad);
        if (FimRepo != NullToken) _eog.Add(FimRepo);
        if (FimSeparator != NullToken) _eog.Add(FimSeparator);
        foreach (var text in s_eogTexts) // texts are unique: each names at most one token
        {
            int id = Find(text);
            if (id == NullToken) continue;
            _eog.Add(id);
            _attributes[id] |= TokenAttributes.Control;
        }

        foreach (var text in s_alwaysRenderedTexts)
        {
            int id = Find(text);
            if (id != NullToken) _attributes[id] = TokenAttributes.UserDefined;
        }

        if (Eos != NullToken) _eog.Add(Eos);
        if (Eot != NullToken) _eog.Add(Eot);
        if (Eom != NullToken) _eog.Add(Eom);

        // Harmony (gpt-oss) and Solar-Open end turns with <|end|> but keep generating: it is not EOG there.
        bool hasReturn = false, hasCall = false, hasFlush = false, hasToolResponse = false;
        int endId = NullToken, closeId = NullToken;
        foreach (int id in _eog)
        {
            switch (GetText(id))
            {
                case "<|return|>": hasReturn = true; break;
                case "<|call|>" or "<|calls|>": hasCall = true; break;
                case "<|flush|>": hasFlush = true; break;
                case "<|end|>": endId = id; break;
                case "<|tool_response>": hasToolResponse = true; break;
                case "</s>": closeId = id; break;
            }
        }
        if (endId != NullToken && ((hasReturn && hasCall) || (hasCall && hasFlush)))
        {
            _eog.Remove(endId);
            _attributes[endId] = TokenAttributes.UserDefined;
        }
        if (hasToolResponse && closeId != NullToken)
        {
            _eog.Remove(closeId);
            _attributes[closeId] = TokenAttributes.Normal;
        }

        var eog = _eog.ToArray();
        Array.Sort(eog);
        EogTokens = eog;
    }

    private int FindFirstAndMarkControl(string[] candidates)
    {
        int best = NullToken;
        foreach (var text in candidates)
        {
            int id = Find(text);
            if (id != NullToken && (best == NullToken || id < best)) best = id;
        }
        if (best != NullToken) _attributes[best] |= TokenAttributes.Control;
        return best;
    }

    private void BuildSpecialTokenCache()
    {
        const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
        var ids = new List<int>();
        for (int id = 0; id < Count; id++)
            if ((_attributes[id] & special) != 0) ids.Add(id);
        // llama.cpp's std::sort leaves equal lengths unordered; id order makes ours deterministic
        ids.Sort((a, b) =>
        {
            int byLength = _index[b].Length.CompareTo(_index[a].Length);
            return byLength != 0 ? byLength : a.CompareTo(b);
        });
        SpecialTokens = ids;
    }

    /// <summary>LSTRIP/RSTRIP name hacks of spec A2.5.</summary>
    private void ApplyModelSpecificAttributes(string generalName, string pre, string architecture)
    {
        string name = generalName.ToLowerInvariant();
        if (ContainsAny(pre, "jina-v2-de", "jina-v2-es", "jina-v2-code") || ContainsAny(architecture, "nomic-bert-moe", "jina-bert-v3"))
        {
            SetAttribute("<mask>", TokenAttributes.LStrip, true);
        }
        else if (ContainsAny(name, "phi-3", "phi3"))
        {
            foreach (int id in SpecialTokens) _attributes[id] |= TokenAttributes.RStrip;
            SetAttribute("</s>", TokenAttributes.RStrip, true);
            foreach (var text in (string[])["<unk>", "<s>", "<|endoftext|>"]) SetAttribute(text, TokenAttributes.RStrip, false);
        }
        else if (name.Contains("modern-bert", StringComparison.Ordinal))
        {
            SetAttribute("[MASK]", TokenAttributes.LStrip, true);
        }
    }

    private void SetAttribute(string text, TokenAttributes bit, bool value)
    {
        int id = Find(text);
        if (id == NullToken) return; // llama.cpp throws here; a missing token simply has nothing to strip
        _attributes[id] = value ? _attributes[id] | bit : _attributes[id] & ~bit;
    }

    private static bool ContainsAny(string s, params string[] parts)
    {
        foreach (var p in parts)
            if (s.Contains(p, StringComparison.Ordinal)) return true;
        return false;
    }
}
