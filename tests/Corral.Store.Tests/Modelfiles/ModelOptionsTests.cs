using System.Text.Json;

namespace Corral.Store.Tests.Modelfiles;

public class ModelOptionsTests
{
    private static ModelOptions Apply(string json, List<string>? unknown = null)
    {
        var o = ModelOptions.CreateDefault();
        using var doc = JsonDocument.Parse(json);
        o.Apply(doc.RootElement, unknown is null ? null : unknown.Add);
        return o;
    }

    [Fact]
    public void Defaults()
    {
        var o = ModelOptions.CreateDefault(8192);
        Assert.Equal(8192, o.NumCtx);
        Assert.Equal(512, o.NumBatch);
        Assert.Equal(-1, o.NumGpu);
        Assert.Null(o.MainGpu);
        Assert.Null(o.UseMmap);
        Assert.Equal(0, o.NumThread);
        Assert.Equal(4, o.DraftNumPredict);
        Assert.Equal(4, o.NumKeep);
        Assert.Equal(-1, o.Seed);
        Assert.Equal(-1, o.NumPredict);
        Assert.Equal(40, o.TopK);
        Assert.Equal(0.9f, o.TopP);
        Assert.Equal(0f, o.MinP);
        Assert.Equal(1f, o.TypicalP);
        Assert.Equal(64, o.RepeatLastN);
        Assert.Equal(0.8f, o.Temperature);
        Assert.Equal(1f, o.RepeatPenalty);
        Assert.Equal(0f, o.PresencePenalty);
        Assert.Equal(0f, o.FrequencyPenalty);
        Assert.Null(o.Stop);
        Assert.Empty(o.ExplicitKeys);
    }

    [Fact]
    public void AppliesEveryKeyWithItsType()
    {
        var o = Apply("""
            {"num_ctx":2048,"num_batch":128,"num_gpu":0,"main_gpu":1,"use_mmap":false,"num_thread":8,"draft_num_predict":2,
             "num_keep":5,"seed":42,"num_predict":100,"top_k":20,"top_p":0.5,"min_p":0.05,"typical_p":0.7,"repeat_last_n":32,
             "temperature":0.2,"repeat_penalty":1.1,"presence_penalty":0.3,"frequency_penalty":0.4,"stop":["a","b"]}
            """);
        Assert.Equal((2048, 128, 0, 1, false, 8, 2), (o.NumCtx, o.NumBatch, o.NumGpu, o.MainGpu, o.UseMmap, o.NumThread, o.DraftNumPredict));
        Assert.Equal((5, 42L, 100, 20, 32), (o.NumKeep, o.Seed, o.NumPredict, o.TopK, o.RepeatLastN));
        Assert.Equal((0.5f, 0.05f, 0.7f, 0.2f, 1.1f, 0.3f, 0.4f), (o.TopP, o.MinP, o.TypicalP, o.Temperature, o.RepeatPenalty, o.PresencePenalty, o.FrequencyPenalty));
        Assert.Equal(["a", "b"], o.Stop);
        Assert.Equal(20, o.ExplicitKeys.Count);
        Assert.True(o.IsExplicit("num_batch"));
    }

    [Fact]
    public void IntegersAreTruncatedFloatsAcceptIntegers()
    {
        var o = Apply("{\"num_ctx\":4096.9,\"top_k\":-3.7,\"temperature\":1,\"seed\":1e20}");
        Assert.Equal(4096, o.NumCtx);
        Assert.Equal(-3, o.TopK);
        Assert.Equal(1f, o.Temperature);
        Assert.Equal(long.MaxValue, o.Seed);
    }

    [Fact]
    public void NullsAndUnknownKeysAreIgnored()
    {
        var unknown = new List<string>();
        var o = Apply("{\"num_ctx\":null,\"mirostat\":1,\"tfs_z\":0.5,\"temperature\":0.1}", unknown);
        Assert.Equal(0, o.NumCtx);
        Assert.False(o.IsExplicit("num_ctx"));
        Assert.Equal(["mirostat", "tfs_z"], unknown);
        Assert.Equal(0.1f, o.Temperature);
    }

    [Theory]
    [InlineData("{\"num_ctx\":\"4096\"}", "option \"num_ctx\" must be of type integer")]
    [InlineData("{\"main_gpu\":true}", "option \"main_gpu\" must be of type integer")]
    [InlineData("{\"temperature\":\"hot\"}", "option \"temperature\" must be of type float32")]
    [InlineData("{\"use_mmap\":1}", "option \"use_mmap\" must be of type boolean")]
    [InlineData("{\"stop\":\"x\"}", "option \"stop\" must be of type array")]
    [InlineData("{\"stop\":[\"x\",1]}", "option \"stop\" must be of an array of strings")]
    [InlineData("{\"stop\":[null]}", "option \"stop\" must be of an array of strings")]
    public void TypeErrors(string json, string message)
    {
        var e = Assert.Throws<OptionTypeException>(() => Apply(json));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ModelParamsThenRequestOptions()
    {
        using var model = JsonDocument.Parse("{\"temperature\":0.7,\"stop\":[\"<|eot_id|>\"]}");
        using var request = JsonDocument.Parse("{\"temperature\":0.1}");
        var o = ModelOptions.CreateDefault();
        o.Apply(model.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value)));
        var copy = o.Clone();
        o.Apply(request.RootElement);
        Assert.Equal(0.1f, o.Temperature);
        Assert.Equal(["<|eot_id|>"], o.Stop);
        Assert.Equal(0.7f, copy.Temperature);
        Assert.Equal(2, copy.ExplicitKeys.Count);
    }
}
