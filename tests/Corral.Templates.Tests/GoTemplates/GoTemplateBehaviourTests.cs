using System.Text.Json.Nodes;
using Corral.Templates.GoTemplates;

namespace Corral.Templates.Tests.GoTemplates;

/// <summary>
/// Go <c>text/template</c> features, one snippet per case, checked against Go's own output for the same snippet and
/// data (see <c>Oracle/generate_cases.py</c>), plus hand-written checks for typed (struct) data and newer-Go behaviour.
/// </summary>
public sealed partial class GoTemplateBehaviourTests
{
    private static readonly GoFunction[] Functions =
    [
        new("json", [GoType.Any], (_, a) => GoValue.String(GoJson.Marshal(a[0]) ?? "")),
        new("currentDate", [], (_, _) => GoValue.String("2026-01-15"), variadic: GoType.String),
    ];

    public static IEnumerable<object[]> CaseIndexes() => Enumerable.Range(0, Cases.Length).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Snippet_matches_go(int index)
    {
        var (template, data, expected) = Cases[index];
        Assert.Equal(expected, Run(template, data == null ? GoValue.Invalid : GoValueConverter.FromJson(JsonNode.Parse(data))));
    }

    private static string Run(string template, GoValue data)
    {
        try
        {
            return GoTemplate.Parse(template, Functions).Execute(data);
        }
        catch (GoTemplateException ex)
        {
            return "!" + ex.Message;
        }
    }

    [Fact]
    public void Range_over_an_integer_counts_from_zero()
    {
        Assert.Equal("012", Run("{{ range 3 }}{{ . }}{{ end }}", GoValue.Invalid));
        Assert.Equal("0,1,", Run("{{ range $i := 2 }}{{ $i }},{{ end }}", GoValue.Invalid));
        Assert.Equal("none", Run("{{ range 0 }}x{{ else }}none{{ end }}", GoValue.Invalid));
        Assert.StartsWith("!template: :1:", Run("{{ range $i, $v := 3 }}{{ end }}", GoValue.Invalid));
    }

    [Fact]
    public void Comparison_errors_name_both_types()
    {
        Assert.Equal("!template: :1:3: executing \"\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison: int and string",
            Run("{{ eq 1 \"a\" }}", GoValue.Invalid));
    }

    [Fact]
    public void Else_with_chains()
    {
        var data = GoValueConverter.FromClr(new Dictionary<string, object?> { ["A"] = "", ["B"] = "b" });
        Assert.Equal("[b]", Run("{{ with .A }}a{{ else with .B }}[{{ . }}]{{ end }}", data));
    }

    private static readonly GoType Message = GoType.Struct("template.templateMessage",
        new GoField("Role", GoType.String), new GoField("Content", GoType.String), new GoField("Count", GoType.Int));

    private static GoValue Msg(string role, string content, int count = 0) =>
        GoValue.Pointer(GoValue.Struct(Message, GoValue.String(role), GoValue.String(content), GoValue.Int(count)));

    [Fact]
    public void Struct_fields_and_errors_use_go_type_names()
    {
        var list = GoValue.Slice(GoType.SliceOf(GoType.PointerTo(Message)), [Msg("user", "hi", 2)]);
        var data = GoValue.Map(GoType.AnyMap, [new("Messages", list)]);
        Assert.Equal("user:hi:2", Run("{{ range .Messages }}{{ .Role }}:{{ .Content }}:{{ .Count }}{{ end }}", data));
        Assert.Equal("{user hi 2}", Run("{{ index .Messages 0 }}", data)); // printing dereferences one pointer
        Assert.Equal("[0xc000010000]", Run("{{ .Messages }}", data));
        Assert.Equal("!template: :1:24: executing \"\" at <.Nope>: can't evaluate field Nope in type *template.templateMessage",
            Run("{{ range .Messages }}{{ .Nope }}{{ end }}", data));
        Assert.Equal("true", Run("{{ with index .Messages 0 }}{{ eq .Count 2 }}{{ end }}", data));
    }

    [Fact]
    public void Nil_pointer_field_access_fails_like_go()
    {
        var data = GoValue.Map(GoType.MapOf(GoType.String, GoType.PointerTo(Message)), [new("M", GoValue.PointerOf(GoType.PointerTo(Message), null))]);
        Assert.Equal("!template: :1:5: executing \"\" at <.M.Role>: nil pointer evaluating *template.templateMessage.Role", Run("{{ .M.Role }}", data));
        Assert.Equal("<nil>", Run("{{ .M }}", data));
        Assert.Equal("no", Run("{{ if .M }}yes{{ else }}no{{ end }}", data));
    }

    [Fact]
    public void Stringer_methods_drive_printing_but_not_json()
    {
        var argsType = GoType.Named("template.templateArgs", GoType.AnyMap, stringer: v => GoJson.Marshal(v) ?? "");
        var args = GoValue.Map(argsType, [new("b", GoValue.Float(1)), new("a", GoValue.String("<x>"))]);
        var data = GoValue.Map(GoType.AnyMap, [new("Args", args)]);
        Assert.Equal("{\"a\":\"\\u003cx\\u003e\",\"b\":1}", Run("{{ .Args }}", data));
        Assert.Equal("{\"a\":\"\\u003cx\\u003e\",\"b\":1}", Run("{{ .Args.String }}", data));
        Assert.Equal("{\"a\":\"\\u003cx\\u003e\",\"b\":1}", Run("{{ printf \"%v\" .Args }}", data));
        Assert.Equal("a:<x> b:1 ", Run("{{ range $k, $v := .Args }}{{ $k }}:{{ $v }} {{ end }}", data));
    }

    [Fact]
    public void Parse_errors_are_flagged_and_worded_like_go()
    {
        var ex = Assert.Throws<GoTemplateException>(() => GoTemplate.Parse("ok\n{{ .Prompt "));
        Assert.True(ex.IsParseError);
        Assert.Equal("template: :2: unclosed action", ex.Message);
        var exec = Assert.Throws<GoTemplateException>(() => GoTemplate.Parse("{{ template \"x\" }}").Execute(GoValue.Invalid));
        Assert.False(exec.IsParseError);
    }

    [Fact]
    public void Copied_tree_can_be_pruned_without_touching_the_original()
    {
        var t = GoTemplate.Parse("a{{ .X }}b");
        var copy = t.CopyRoot();
        copy.Nodes.RemoveAt(2);
        var data = GoValueConverter.FromClr(new Dictionary<string, object?> { ["X"] = "x" });
        Assert.Equal("ax", t.Execute(copy, data));
        Assert.Equal("axb", t.Execute(data));
    }

    [Fact]
    public void Template_executes_concurrently()
    {
        var t = GoTemplate.Parse("{{ range .L }}{{ . }}{{ end }}");
        var results = Enumerable.Range(0, 32).AsParallel()
            .Select(n => t.Execute(GoValueConverter.FromClr(new Dictionary<string, object?> { ["L"] = Enumerable.Range(0, n % 4).ToArray() })))
            .ToArray();
        for (int n = 0; n < 32; n++) Assert.Equal(string.Concat(Enumerable.Range(0, n % 4)), results[n]);
    }
}
