using System.Text.Json.Nodes;
using Corral.Templates.Jinja;

namespace Corral.Templates.Tests.Jinja;

/// <summary>
/// Language features, one snippet per case, checked against what Python Jinja2 produced for the same snippet
/// (see <c>Oracle/generate_cases.py</c>): output byte for byte, or the same error class and message.
/// </summary>
public sealed partial class JinjaBehaviourTests
{
    private static readonly JinjaOptions Options = JinjaOptions.Default with { Now = () => new DateTime(2026, 1, 15, 9, 30, 0) };

    public static IEnumerable<object[]> CaseIndexes() => Enumerable.Range(0, Cases.Length).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Snippet_matches_jinja2(int index)
    {
        var (template, context, expected) = Cases[index];
        Assert.Equal(expected, Render(template, context));
    }

    internal static KeyValuePair<string, JinjaValue>[] Vars(params (string Name, JinjaValue Value)[] vars) =>
        vars.Select(v => new KeyValuePair<string, JinjaValue>(v.Name, v.Value)).ToArray();

    internal static string Render(string template, string contextJson = "{}")
    {
        try
        {
            return JinjaTemplate.Parse(template, Options).Render((JsonObject)JsonNode.Parse(contextJson)!);
        }
        catch (TemplateRaisedException ex)
        {
            return "!TemplateError: " + ex.Message;
        }
        catch (JinjaException ex)
        {
            return "!" + ex.PythonErrorName + ": " + ex.Detail;
        }
    }

    [Fact]
    public void Raise_exception_has_exactly_the_templates_message()
    {
        var t = JinjaTemplate.Parse("line\n{{ raise_exception('Only user and assistant roles are supported!') }}");
        var ex = Assert.Throws<TemplateRaisedException>(() => t.Render(new JsonObject()));
        Assert.Equal("Only user and assistant roles are supported!", ex.Message);
        Assert.IsAssignableFrom<TemplateException>(ex);
    }

    [Theory]
    [InlineData("a\nb\n{{ x.y }}", 3, JinjaErrorKind.Undefined)]
    [InlineData("{% for m in messages %}\n{{ m.content + 1 }}\n{% endfor %}", 2, JinjaErrorKind.Type)]
    [InlineData("ok\n\n{% if %}", 3, JinjaErrorKind.Syntax)]
    [InlineData("{% macro m() %}\n\n{{ 1 / 0 }}{% endmacro %}{{ m() }}", 3, JinjaErrorKind.ZeroDivision)]
    [InlineData("{{ 'a' }}\n{{ 'unterminated }}", 2, JinjaErrorKind.Syntax)]
    public void Errors_carry_kind_and_line(string template, int line, JinjaErrorKind kind)
    {
        var ex = Assert.ThrowsAny<JinjaException>(() => JinjaTemplate.Parse(template).Render(new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["content"] = "x" }) }));
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(line, ex.Line);
        Assert.Contains($"line {line}", ex.Message);
    }

    [Fact]
    public void Runaway_recursion_fails_cleanly()
    {
        var t = JinjaTemplate.Parse("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        var ex = Assert.Throws<JinjaException>(() => t.Render(new JsonObject()));
        Assert.Contains("recursion", ex.Message);
    }

    [Fact]
    public void Strftime_now_uses_the_injected_clock()
    {
        var t = JinjaTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %-d, %Y') }}", JinjaOptions.Default with { Now = () => new DateTime(2024, 7, 4, 8, 0, 0) });
        Assert.Equal("04 Jul 2024|July 4, 2024", t.Render(new JsonObject()));
    }

    [Fact]
    public void Keep_trailing_newline_option()
    {
        Assert.Equal("x", JinjaTemplate.Parse("x\n").Render(new JsonObject()));
        Assert.Equal("x\n", JinjaTemplate.Parse("x\n", JinjaOptions.Default with { KeepTrailingNewline = true }).Render(new JsonObject()));
    }

    [Fact]
    public void Json_conversion_keeps_key_order_and_number_types()
    {
        var node = JsonNode.Parse("""{"z": 1, "a": 2.0, "m": [1e2, -3, "x", null, true], "big": 12345678901234567890}""");
        var value = JinjaValue.FromJson(node);
        Assert.Equal("{'z': 1, 'a': 2.0, 'm': [100.0, -3, 'x', None, True], 'big': 1.2345678901234567e+19}", value.ToString());
        Assert.Equal(
            """{"z": 1, "a": 2.0, "m": [100.0, -3, "x", null, true], "big": 1.2345678901234567e+19}""",
            JinjaTemplate.Parse("{{ v|tojson }}").Render(Vars(("v", value))));
    }

    [Fact]
    public void Clr_values_convert()
    {
        var value = JinjaValue.FromClr(new Dictionary<string, object?> { ["b"] = new[] { 1, 2 }, ["a"] = null, ["c"] = 1.5f, ["d"] = "s" });
        Assert.Equal("{'b': [1, 2], 'a': None, 'c': 1.5, 'd': 's'}", value.ToString());
        Assert.Throws<ArgumentException>(() => JinjaValue.FromClr(new object()));
    }

    [Fact]
    public void Mutating_a_context_list_in_a_template_is_visible_to_the_caller()
    {
        var list = new JinjaList([1]);
        JinjaTemplate.Parse("{% do items.append(2) %}{{ items.append(3) }}").Render(Vars(("items", list)));
        Assert.Equal(3, list.Count);
    }

    [Fact]
    public void Parsed_template_can_render_concurrently()
    {
        var t = JinjaTemplate.Parse("{% for i in range(n) %}{{ i }}{% endfor %}");
        var results = Enumerable.Range(0, 32).AsParallel().Select(n => t.Render(Vars(("n", n % 5)))).ToArray();
        for (int n = 0; n < 32; n++) Assert.Equal(string.Concat(Enumerable.Range(0, n % 5)), results[n]);
    }
}
