namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// Splits a raw fragment into words before BPE (spec A7): each step of the family's regex list splits
/// every chunk the previous steps produced. Immutable and shared; per-call state lives in
/// <see cref="SplitInput"/> and the caller's lists.
/// </summary>
internal sealed class PreTokenizer
{
    private readonly SplitStep[] _steps;

    private PreTokenizer(PreTokenizerKind kind, SplitStep[] steps)
    {
        Kind = kind;
        _steps = steps;
    }

    public PreTokenizerKind Kind { get; }

    /// <summary>Fills <paramref name="words"/> with the pieces of the loaded input; <paramref name="spare"/> is scratch.</summary>
    public void Split(SplitInput input, List<Span32> words, List<Span32> spare)
    {
        words.Clear();
        if (input.Count == 0) return;
        words.Add(new Span32(0, input.Count));
        foreach (var step in _steps)
        {
            spare.Clear();
            foreach (var chunk in words) step.Split(input, chunk.Start, chunk.End, spare);
            words.Clear();
            words.AddRange(spare);
        }
    }

    private static readonly Dictionary<PreTokenizerKind, PreTokenizer> s_cache = [];

    /// <summary>The shared pre-tokenizer of a family (built once; regexes are compiled).</summary>
    public static PreTokenizer For(PreTokenizerKind kind)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(kind, out var pre)) s_cache[kind] = pre = new PreTokenizer(kind, BuildSteps(kind));
            return pre;
        }
    }

    // ---- the regex lists of spec A8 ----

    private const string Contractions = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    private static readonly CodepointSet CrLf = CodepointSet.Parse("\r\n");
    private static readonly CodepointSet CjkDeepseek = CodepointSet.Parse("一-龥ࠀ-一가-퟿");
    private static readonly CodepointSet CjkKana = CodepointSet.Parse("一-龥぀-ゟ゠-ヿ");
    private static readonly Func<int, bool> RegexSpace = CodepointSet.IsRegexSpace;
    private static readonly Func<int, bool> LiteralSpace = c => c == ' ';

    private static SplitStep[] BuildSteps(PreTokenizerKind kind)
    {
        SplitStep Collapsed(string pattern) => new CollapsedRegexSplitter(pattern);
        switch (kind)
        {
            case PreTokenizerKind.Default:
                return [Collapsed(@"[\p{P}\$\+<=>\^~\|]+"), new Gpt2Splitter(), Collapsed(@"\p{N}+"), new ThreeDigitsStep()];
            case PreTokenizerKind.Llama3:
                return [new Llama3Splitter(Llama3Splitter.Variant.Llama3)];
            case PreTokenizerKind.Jais2:
                return [Collapsed(Contractions + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1}")];
            case PreTokenizerKind.DeepseekLlm:
                return
                [
                    new ClassRunStep(CrLf, single: true),
                    new ClassRunStep(CodepointSet.Parse("A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃"), RegexSpace),
                    new ClassRunStep(CodepointSet.Parse("!-/:-~！-／：-～‘-‟　-。"), RegexSpace),
                    new TrailingWhitespaceStep(),
                    new ClassRunStep(CjkDeepseek),
                    Collapsed(@"\p{N}+"),
                ];
            case PreTokenizerKind.Deepseek3Llm:
                return
                [
                    Collapsed(@"\p{N}{1,3}"),
                    new ClassRunStep(CjkKana),
                    Collapsed("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
                ];
            case PreTokenizerKind.Spark25:
                return
                [
                    Collapsed(@"\p{N}{1,3}"),
                    new ClassRunStep(CjkKana),
                    Collapsed("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+"),
                    Collapsed(@"\p{N}"),
                ];
            case PreTokenizerKind.Youtu:
                return
                [
                    new AlternativeClassRunsStep(CodepointSet.Parse("가-힣ㄱ-ㆎ"), CodepointSet.Parse("！…“”‘’—：；，、-〿︰-﹏"), CodepointSet.Parse("ㄅ-ㄯ"), CjkKana),
                    Collapsed(@"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+" + Contractions + @"?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*" + Contractions + @"?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                ];
            case PreTokenizerKind.DeepseekCoder:
                return [new ClassRunStep(CrLf, single: true), Collapsed(@"\s?\p{L}+"), Collapsed(@"\s?\p{P}+"), new ClassRunStep(CjkDeepseek), Collapsed(@"\p{N}")];
            case PreTokenizerKind.Falcon:
                return [Collapsed(@"[\p{P}\$\+<=>\^~\|`]+"), new Gpt2Splitter(), new ThreeDigitsStep()];
            case PreTokenizerKind.Starcoder:
                return [Collapsed(@"\p{N}"), new Gpt2Splitter()];
            case PreTokenizerKind.Gpt2:
                return [new Gpt2Splitter()];
            case PreTokenizerKind.Qwen2:
                return [new Llama3Splitter(Llama3Splitter.Variant.Qwen2)];
            case PreTokenizerKind.Qwen35:
                return [new Llama3Splitter(Llama3Splitter.Variant.Qwen35)];
            case PreTokenizerKind.Poro:
                return [PoroStep()];
            case PreTokenizerKind.Viking:
                return [PoroStep(), Collapsed(@"\p{N}")];
            case PreTokenizerKind.Tekken:
                return [Collapsed(@"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")];
            case PreTokenizerKind.Chameleon:
                return
                [
                    new SentinelStep(),
                    new ImageTokenStep(),
                    new TabNewlineOrSpacesStep(),
                    Collapsed(@"\p{N}"),
                    Collapsed(@"[\p{P}!-/:-@\[-`{-~]"),
                    new Gpt2Splitter(),
                ];
            case PreTokenizerKind.Gpt4o:
                return [Collapsed(@"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+" + Contractions + @"?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*" + Contractions + @"?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")];
            case PreTokenizerKind.GraniteEmbedMulti:
                return [Collapsed(@"[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+" + Contractions + @"?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*" + Contractions + @"?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")];
            case PreTokenizerKind.TinyAya:
                return
                [
                    new DigitsMod3Splitter(),
                    Collapsed(@"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+" + Contractions + @"?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*" + Contractions + @"?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                ];
            case PreTokenizerKind.KimiK2:
                return [new KimiK2Splitter()];
            case PreTokenizerKind.SuperBpe:
                return [Collapsed(@"\p{N}+"), new DigitTriplesFromRightStep()];
            case PreTokenizerKind.BailingMoe:
                return [Collapsed(@"'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+")];
            case PreTokenizerKind.SeedCoder:
                return [Collapsed(Contractions + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+")];
            case PreTokenizerKind.Ufakzeka:
                return [Collapsed(@"[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")];
            case PreTokenizerKind.Afmoe:
                return
                [
                    new DigitsMod3Splitter(),
                    new ClassRunStep(CodepointSet.Parse("一-鿿㐀-䶿豈-﫿぀-ゟ゠-ヿ･-ﾟ⼀-⿟เ-๿຀-໿ក-៿က-႟ꩠ-ꩿꧠ-꧿가-힯ᄀ-ᇿ")),
                    Collapsed("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                ];
            case PreTokenizerKind.Laguna:
                return [new NewlineRunsSplitter(), new Llama3Splitter(Llama3Splitter.Variant.Qwen2)];
            case PreTokenizerKind.ExaoneMoe:
                return [Collapsed(Contractions + @"|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+")];
            case PreTokenizerKind.Gemma4:
            case PreTokenizerKind.SarvamMoe:
                return [new NewlineRunsSplitter()];
            case PreTokenizerKind.MiniCpm5:
                return [Collapsed(@"\p{N}{1,3}"), Collapsed(Contractions + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")];
            case PreTokenizerKind.Whitespace:
                return [new NonWhitespaceRunStep()];
            default:
                throw new TokenizerException($"pre-tokenizer family {kind} has no regex list");
        }
    }

    /// <summary><c> ?[^(\s|.,!?…。，、।۔،)]+</c>: the brackets' ( | ) are literal members (an upstream quirk kept).</summary>
    private static ClassRunStep PoroStep() =>
        new(CodepointSet.Parse("(|.,!?…。，、।۔،)", negated: true, '\t', '\n', '\v', '\f', '\r', ' '), LiteralSpace);

    /// <summary>The steps, in order (for tests).</summary>
    internal IReadOnlyList<SplitStep> Steps => _steps;
}
