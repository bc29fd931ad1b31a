using System.Text.Json;
using System.Threading.Channels;

namespace Loyalty.LoadGen;

/// <summary>
/// The one reader of the record channel: appends each record to the log as a JSON line and folds it into
/// the summary. A single writer keeps lines whole and in completion order without locks.
/// </summary>
public static class RecordSink
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <param name="log">Null without <c>--log</c>; not disposed here.</param>
    public static async Task<SummaryBuilder> DrainAsync(ChannelReader<RequestRecord> records, Stream? log)
    {
        ArgumentNullException.ThrowIfNull(records);
        var summary = new SummaryBuilder();
        // Not cancellable: the log must hold every request that was made, so this ends when the channel does.
        while (await records.WaitToReadAsync(CancellationToken.None))
        {
            while (records.TryRead(out var record))
            {
                summary.Add(record);
                if (log is not null)
                {
                    await log.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(record, LoadGenJson.Default.RequestRecord));
                    await log.WriteAsync(NewLine);
                }
            }

            // Flushed whenever the channel runs dry, so a test tailing the log sees requests as they finish.
            if (log is not null)
            {
                await log.FlushAsync();
            }
        }

        return summary;
    }
}
