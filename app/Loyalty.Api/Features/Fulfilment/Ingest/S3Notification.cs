using System.Text.Json;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>The object keys of an S3 event notification (URL-encoded in the message, as AWS sends them).</summary>
public static class S3Notification
{
    /// <exception cref="FormatException">The body is not an S3 event notification (not JSON, or records without keys).</exception>
    public static IReadOnlyList<string> ObjectKeys(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Not an S3 event notification: not a JSON object.");
            }

            if (!document.RootElement.TryGetProperty("Records", out var records))
            {
                return []; // s3:TestEvent and other non-record messages
            }

            return [.. records.EnumerateArray()
                .Where(r => r.TryGetProperty("eventName", out var name) && name.GetString()?.StartsWith("ObjectCreated", StringComparison.Ordinal) == true)
                .Select(r => Uri.UnescapeDataString(Key(r).Replace('+', ' ')))];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"Not an S3 event notification: {e.Message}", e);
        }
    }

    private static string Key(JsonElement record) =>
        record.GetProperty("s3").GetProperty("object").GetProperty("key").GetString()
            ?? throw new InvalidOperationException("A record's object key is null.");
}
