using System.Globalization;
using System.Text.Json.Nodes;
using Corral.Templates.Jinja;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Templates.Tests.Jinja;

/// <summary>
/// Renders every real chat template in <c>../shared/templates</c> with the five conversations of
/// <c>expected-renders.json</c> and compares byte for byte with what Jinja2 (Hugging Face settings) produced,
/// or checks that the same error is raised.
/// </summary>
public sealed class ExpectedRendersTests(ITestOutputHelper output)
{
    /// <summary>Cases Jinja2 handles through Python specifics we do not reproduce: (template, case) → reason. Keep minimal.</summary>
    private static readonly Dictionary<(string Template, string Case), string> KnownExceptions = new();

    private static readonly Lazy<JsonObject> Reference = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(RepoPaths.SharedFile("templates", "expected-renders.json")))!);

    public static IEnumerable<object[]> TemplateNames() =>
        Reference.Value.Where(e => e.Key != "_how").Select(e => new object[] { e.Key });

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Template_renders_like_jinja2(string templateName)
    {
        var failures = new List<string>();
        foreach (var outcome in RenderTemplate(templateName))
            if (!outcome.Passed && !outcome.KnownException) failures.Add(outcome.Describe());
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public void All_reference_cases_match_and_counts_are_reported()
    {
        var outcomes = TemplateNames().SelectMany(n => RenderTemplate((string)n[0])).ToList();
        int templates = outcomes.Select(o => o.Template).Distinct().Count();
        int renderCases = outcomes.Count(o => o.ExpectedError == null);
        int errorCases = outcomes.Count(o => o.ExpectedError != null);
        int renderPassed = outcomes.Count(o => o.ExpectedError == null && o.Passed);
        int errorPassed = outcomes.Count(o => o.ExpectedError != null && o.Passed);
        int known = outcomes.Count(o => !o.Passed && o.KnownException);

        output.WriteLine($"templates: {templates}");
        output.WriteLine($"render cases: {renderPassed}/{renderCases} byte-identical");
        output.WriteLine($"error cases: {errorPassed}/{errorCases} raise the same error");
        output.WriteLine($"known exceptions: {known}");
        foreach (var o in outcomes.Where(o => !o.Passed)) output.WriteLine(o.Describe());

        Assert.Equal(70, templates);
        Assert.Equal(350, renderCases + errorCases);
        Assert.Equal(renderCases + errorCases, renderPassed + errorPassed + known);
        Assert.Equal(KnownExceptions.Count, known);
    }

    private sealed record Outcome(string Template, string Case, string? ExpectedPrompt, string? ExpectedError, string? Actual, bool Passed, bool KnownException)
    {
        public string Describe() =>
            $"{Template} / {Case}: expected {(ExpectedError != null ? "error " + ExpectedError : "prompt")}\n" +
            (ExpectedPrompt != null ? $"--- expected ---\n{ExpectedPrompt}\n" : "") + $"--- actual ---\n{Actual}";
    }

    private static IEnumerable<Outcome> RenderTemplate(string templateName)
    {
        var how = Reference.Value["_how"]!.AsObject();
        var cases = Reference.Value[templateName]!.AsObject();
        string source = File.ReadAllText(RepoPaths.SharedFile("templates", templateName));
        var clock = DateTime.Parse(how["strftime_now"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var options = JinjaOptions.Default with { Now = () => clock };

        JinjaTemplate? template = null;
        string? parseError = null;
        try { template = JinjaTemplate.Parse(source, options); }
        catch (JinjaException ex) { parseError = $"{ex.PythonErrorName}: {ex.Message}"; }

        foreach (var (caseName, expectedNode) in cases)
        {
            var expected = expectedNode!.AsObject();
            string? expectedPrompt = expected["prompt"]?.GetValue<string>();
            string? expectedError = expected["error"]?.GetValue<string>();
            bool known = KnownExceptions.ContainsKey((templateName, caseName));
            if (template == null)
            {
                yield return new Outcome(templateName, caseName, expectedPrompt, expectedError, parseError, false, known);
                continue;
            }

            var context = BuildContext(how, how["cases"]![caseName]!.AsObject());
            string actual;
            bool passed;
            try
            {
                actual = template.Render(context);
                passed = expectedPrompt != null && actual == expectedPrompt;
            }
            catch (TemplateRaisedException ex)
            {
                actual = "TemplateError: " + ex.Message;
                passed = expectedError == actual;
            }
            catch (JinjaException ex)
            {
                actual = $"{ex.PythonErrorName}: {ex.Detail}";
                passed = expectedError == actual;
            }
            yield return new Outcome(templateName, caseName, expectedPrompt, expectedError, actual, passed, known && !passed);
        }
    }

    /// <summary>The context Hugging Face passes: bos/eos strings, messages, add_generation_prompt, and tools only when the case has them.</summary>
    private static List<KeyValuePair<string, JinjaValue>> BuildContext(JsonObject how, JsonObject conversation)
    {
        var context = new List<KeyValuePair<string, JinjaValue>>();
        foreach (var (k, v) in how["context"]!.AsObject()) context.Add(new(k, JinjaValue.FromJson(v)));
        context.Add(new("messages", JinjaValue.FromJson(conversation["messages"])));
        if (conversation["tools"] is { } tools) context.Add(new("tools", JinjaValue.FromJson(tools)));
        context.Add(new("add_generation_prompt", JinjaValue.FromJson(conversation["add_generation_prompt"])));
        return context;
    }
}
