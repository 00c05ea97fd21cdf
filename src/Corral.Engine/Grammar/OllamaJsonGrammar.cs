namespace Corral.Engine.Grammar;

/// <summary>
/// The fixed grammar Ollama uses for <c>format: "json"</c> on its <c>/completion</c> path (engine spec §8.3): any
/// JSON object. Whitespace (<c>ws</c>) may follow <c>{</c>, <c>[</c>, <c>:</c>, <c>,</c>, <c>true</c>/<c>false</c>/<c>null</c>
/// and precede <c>}</c>/<c>]</c>, but not sit between a key and its colon; strings also accept the <c>\/</c> escape.
/// </summary>
public static class OllamaJsonGrammar
{
    public const string Text = """
        root   ::= object
        value  ::= object | array | string | number | ("true" | "false" | "null") ws
        object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? ws "}"
        array  ::= "[" ws ( value ("," ws value)* )? ws "]"
        string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F]) )* "\""
        number ::= ("-"? ([0-9] | [1-9] [0-9]*)) ("." [0-9]+)? ([eE] [-+]? [0-9]+)?
        ws     ::= ([ \t\n] ws)?

        """;
}
