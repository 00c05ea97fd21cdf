using System.Text;
using System.Text.Json;
using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.OpenAI;
using Corral.Server.Routes;
using Corral.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Anthropic;

/// <summary><c>POST /v1/messages</c> (api.md §6): the Anthropic Messages API over the shared chat pipeline.</summary>
public static class AnthropicRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/v1/messages", (HttpContext ctx) => OpenAIRoutes.HandleAsync(ctx, async () =>
        {
            var req = await OpenAIRoutes.ReadAsync<MessagesRequest>(ctx);
            bool canThink = !string.IsNullOrEmpty(req.Model) && ModelReference.TryParse(req.Model, out var reference)
                && server.Store.TryResolve(ModelName.Parse(reference.Base)) is { } stored
                && ModelCapabilities.Of(server.Store, stored, server.Config.GoTemplate).Contains(ModelCapabilities.Thinking);
            var native = AnthropicRequestMapping.ToChatRequest(req, canThink);
            var sink = new MessagesSink(ctx.Response, req.Model!, req.Stream == true, AnthropicRequestMapping.EstimateInputTokens(req));
            await GenerateRoutes.RunAsync(sink, () => ChatPipeline.RunAsync(server, native, sink, ctx.RequestAborted));
        }, WriteErrorAsync));
    }

    public static string ErrorType(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        _ => "api_error",
    };

    public static AnthropicError Error(int status, string message) => new()
    {
        Error = new AnthropicErrorBody { Type = ErrorType(status), Message = message },
        RequestId = "req_" + RandomHex(24),
    };

    public static Task WriteErrorAsync(HttpResponse response, int status, string message) =>
        OpenAIRoutes.WriteJsonAsync(response, Error(status, message), status);

    public static string RandomHex(int length)
    {
        Span<byte> bytes = stackalloc byte[(length + 1) / 2];
        Random.Shared.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes)[..length];
    }
}

/// <summary>
/// Native chunks → Anthropic content blocks (api.md §6): thinking, text and tool_use blocks with increasing
/// indexes, streamed as <c>message_start</c> … <c>message_stop</c> events, or one <c>message</c> object.
/// </summary>
public sealed class MessagesSink(HttpResponse response, string model, bool stream, int estimatedInputTokens) : IResponseSink
{
    private enum Block { None, Thinking, Text }

    private readonly SseStream _sse = new(response, noCacheHeaders: true);
    private readonly string _id = "msg_" + AnthropicRoutes.RandomHex(24);
    private readonly StringBuilder _thinking = new(), _text = new();
    private readonly List<ContentBlock> _toolUses = [];
    private readonly HashSet<string> _seenCalls = new(StringComparer.Ordinal);
    private Block _open = Block.None;
    private int _index = -1;
    private bool _thinkingClosed;

    public bool Started => _sse.Started;

    private MessageResponse Envelope(List<ContentBlock>? content, string? stopReason, MessageUsage usage) => new()
    {
        Id = _id,
        Model = model,
        Content = content,
        StopReason = stopReason,
        Usage = usage,
    };

    private Task StartAsync(int inputTokens, CancellationToken cancellation) => _sse.Started
        ? Task.CompletedTask
        : _sse.EventAsync("message_start", new MessageStartEvent { Message = Envelope([], null, new MessageUsage { InputTokens = inputTokens }) }, cancellation);

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        var calls = chunk.ToolCalls is { Count: > 0 } tc ? tc : null;
        if (!stream)
        {
            _thinking.Append(chunk.Thinking);
            _text.Append(chunk.Content);
            foreach (var c in calls ?? []) AddToolUse(c);
            return;
        }
        if (chunk.Thinking.Length == 0 && chunk.Content.Length == 0 && calls == null) return;
        await StartAsync(estimatedInputTokens, cancellation);
        if (chunk.Thinking.Length > 0 && !_thinkingClosed)
        {
            if (_open != Block.Thinking)
            {
                await CloseAsync(cancellation);
                await OpenAsync(Block.Thinking, ContentBlock.OfThinking(""), cancellation);
            }
            await DeltaAsync(new BlockDelta { Type = "thinking_delta", Thinking = chunk.Thinking }, cancellation);
        }
        if (chunk.Content.Length > 0)
        {
            if (_open != Block.Text)
            {
                await CloseAsync(cancellation);
                await OpenAsync(Block.Text, ContentBlock.OfText(""), cancellation);
            }
            await DeltaAsync(new BlockDelta { Type = "text_delta", Text = chunk.Content }, cancellation);
        }
        foreach (var c in calls ?? [])
        {
            var block = AddToolUse(c);
            if (block == null) continue;
            await CloseAsync(cancellation);
            _index++;
            await _sse.EventAsync("content_block_start", new ContentBlockStartEvent
            {
                Index = _index,
                ContentBlock = ContentBlock.OfToolUse(block.Id!, block.Name!, JsonSerializer.SerializeToElement(new { })),
            }, cancellation);
            await DeltaAsync(new BlockDelta { Type = "input_json_delta", PartialJson = block.Input!.Value.CompactJson() }, cancellation);
            await _sse.EventAsync("content_block_stop", new ContentBlockStopEvent { Index = _index }, cancellation);
        }
    }

    /// <summary>Records a tool call once (by id); null when it was seen already.</summary>
    private ContentBlock? AddToolUse(ToolCall c)
    {
        string id = string.IsNullOrEmpty(c.Id) ? OpenAIRoutes.NewToolCallId() : c.Id;
        if (!_seenCalls.Add(id)) return null;
        var block = ContentBlock.OfToolUse(id, c.Function.Name, c.Function.Arguments.ValueKind == JsonValueKind.Undefined ? JsonSerializer.SerializeToElement(new { }) : c.Function.Arguments);
        _toolUses.Add(block);
        return block;
    }

    private async Task OpenAsync(Block kind, ContentBlock start, CancellationToken cancellation)
    {
        _index++;
        _open = kind;
        await _sse.EventAsync("content_block_start", new ContentBlockStartEvent { Index = _index, ContentBlock = start }, cancellation);
    }

    private Task DeltaAsync(BlockDelta delta, CancellationToken cancellation) =>
        _sse.EventAsync("content_block_delta", new ContentBlockDeltaEvent { Index = _index, Delta = delta }, cancellation);

    private async Task CloseAsync(CancellationToken cancellation)
    {
        if (_open == Block.None) return;
        if (_open == Block.Thinking) _thinkingClosed = true;
        _open = Block.None;
        await _sse.EventAsync("content_block_stop", new ContentBlockStopEvent { Index = _index }, cancellation);
    }

    private string? StopReason(string doneReason) =>
        _toolUses.Count > 0 ? "tool_use"
        : doneReason switch { "stop" => "end_turn", "length" => "max_tokens", "" => null, _ => "stop_sequence" };

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        var usage = new MessageUsage { InputTokens = final.PromptEvalCount, OutputTokens = final.EvalCount };
        string? reason = StopReason(final.DoneReason);
        if (!stream)
        {
            var content = new List<ContentBlock>();
            if (_thinking.Length > 0) content.Add(ContentBlock.OfThinking(_thinking.ToString()));
            if (_text.Length > 0) content.Add(ContentBlock.OfText(_text.ToString()));
            content.AddRange(_toolUses);
            await OpenAIRoutes.WriteJsonAsync(response, Envelope(content.Count > 0 ? content : null, reason, usage));
            return;
        }
        await StartAsync(final.PromptEvalCount, cancellation);
        await CloseAsync(cancellation);
        await _sse.EventAsync("message_delta", new MessageDeltaEvent { Delta = new MessageDelta { StopReason = reason }, Usage = usage }, cancellation);
        await _sse.EventAsync("message_stop", new MessageStopEvent(), cancellation);
    }

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        OpenAIRoutes.WriteDebugAsync(response, renderedPrompt, imageCount);

    /// <summary>A failure mid-stream: an <c>error</c> event (the SDKs raise it), then the stream ends.</summary>
    public Task FailAsync(int status, string message) => _sse.EventAsync("error", AnthropicRoutes.Error(status, message), CancellationToken.None);
}
