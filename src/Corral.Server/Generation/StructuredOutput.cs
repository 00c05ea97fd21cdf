using System.Text.Json;
using Corral.Engine.Grammar;
using Corral.Engine.Sampling;
using Corral.Server.Http;
using Corral.Server.Scheduling;

namespace Corral.Server.Generation;

/// <summary>
/// <c>format</c> (api.md §2.5) enforced by grammar-constrained sampling: <c>"json"</c> uses Ollama's fixed
/// JSON grammar, a JSON Schema object is converted to GBNF (keywords that cannot be enforced are a 400,
/// never silently ignored), and Corral's <c>options.grammar</c> extension takes a GBNF grammar as is.
/// </summary>
public static class StructuredOutput
{
    /// <summary>A requested constraint: <c>format</c> grammars wait for thinking to end; a raw GBNF grammar applies from the first token.</summary>
    public sealed record Request(GbnfGrammar Grammar, bool AfterThinking);

    /// <summary>The constraint a request asks for, or null for unconstrained output.</summary>
    public static Request? For(JsonElement? format, JsonElement? options)
    {
        if (options is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("grammar", out var g) && g.ValueKind == JsonValueKind.String
            && g.GetString() is { Length: > 0 } gbnf)
        {
            return new Request(Parse(gbnf), AfterThinking: false);
        }
        return Grammar(format) is { } grammar ? new Request(grammar, AfterThinking: true) : null;
    }

    /// <summary>The grammar of a <c>format</c> value, or null for unconstrained output.</summary>
    public static GbnfGrammar? Grammar(JsonElement? format)
    {
        if (format is not { } f) return null;
        switch (f.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                string s = f.GetString()!;
                if (s.Length == 0) return null;
                if (s == "json") return s_json.Value;
                throw Invalid(f);
            case JsonValueKind.Object:
                try
                {
                    return JsonSchemaToGbnf.ConvertAndParse(f).Grammar;
                }
                catch (JsonSchemaConversionException e)
                {
                    throw ApiException.BadRequest(e.Message);
                }
            default:
                throw Invalid(f);
        }
    }

    /// <summary>Ollama's fixed JSON grammar, parsed once (a parsed grammar is immutable).</summary>
    private static readonly Lazy<GbnfGrammar> s_json = new(() => GbnfGrammar.Parse(OllamaJsonGrammar.Text));

    private static ApiException Invalid(JsonElement f) =>
        ApiException.BadRequest($"invalid format: {f.GetRawText()}; expected \"json\" or a valid JSON Schema object");

    private static GbnfGrammar Parse(string gbnf)
    {
        try
        {
            return GbnfGrammar.Parse(gbnf);
        }
        catch (GbnfParseException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
        catch (GrammarException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    /// <summary>
    /// A sampler constraint for one sequence. When the model thinks first, the grammar starts only after the
    /// closing thinking tag has been generated (upstream lets the model finish thinking unconstrained).
    /// </summary>
    public static ITokenConstraint Constraint(Request request, LoadedModel model, string? thinkingCloseTag)
    {
        var matcher = new GrammarMatcher(request.Grammar, model.GrammarVocabulary);
        return !request.AfterThinking || string.IsNullOrEmpty(thinkingCloseTag) ? matcher : new AfterThinkingConstraint(matcher, model, thinkingCloseTag);
    }

    /// <summary>
    /// Inactive until the generated text contains the closing thinking tag, then the inner grammar applies. Only the
    /// last <c>closeTag.Length - 1</c> characters are kept between tokens: a new occurrence must end in the new piece.
    /// </summary>
    private sealed class AfterThinkingConstraint(ITokenConstraint inner, LoadedModel model, string closeTag) : ITokenConstraint
    {
        private readonly System.Text.StringBuilder _text = new();
        private bool _active;

        public bool IsAllowed(int token) => !_active || inner.IsAllowed(token);

        public void ApplyMask(Span<float> logits)
        {
            if (_active) inner.ApplyMask(logits);
        }

        public void Accept(int token)
        {
            if (_active)
            {
                inner.Accept(token);
                return;
            }
            _text.Append(System.Text.Encoding.UTF8.GetString(model.Tokenizer.TokenToPiece(token, special: true)));
            if (_text.ToString().Contains(closeTag, StringComparison.Ordinal)) _active = true;
            else if (_text.Length >= closeTag.Length) _text.Remove(0, _text.Length - (closeTag.Length - 1));
        }
    }
}
