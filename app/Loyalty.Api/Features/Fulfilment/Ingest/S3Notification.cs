using System.Text.Json;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>The object keys of an S3 event notification (URL-encoded in the message, as AWS sends them).</summary>
public static class S3Notification
{
    public static IEnumerable<string> ObjectKeys(string body)
    {
        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("Records", out var records))
        {
            return []; // s3:TestEvent and other non-record messages
        }

        return [.. records.EnumerateArray()
            .Where(r => r.TryGetProperty("eventName", out var name) && name.GetString()?.StartsWith("ObjectCreated", StringComparison.Ordinal) == true)
            .Select(r => Uri.UnescapeDataString(r.GetProperty("s3").GetProperty("object").GetProperty("key").GetString()!.Replace('+', ' ')))];
    }
}
