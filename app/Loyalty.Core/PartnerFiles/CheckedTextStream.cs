using System.Text;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// A read-only view of a partner file that passes bytes on only once the whole line they belong to has passed the
/// file kind's <see cref="PartnerText"/> rules: no byte order mark (unless tolerated, then it is dropped), the right
/// line terminator on every line including the last, and bytes valid in the encoding. Parsers above it (CsvHelper,
/// <see cref="StreamReader"/>) accept any line ending and skip marks silently, so these checks cannot be left to them;
/// checking here, line by line, names the exact line. Lines are capped so a file without line breaks cannot
/// exhaust memory. Does not dispose the stream it reads.
/// </summary>
internal sealed class CheckedTextStream(Stream input, string fileName, PartnerText text) : Stream
{
    private const int MaxLineBytes = 64 * 1024;

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private byte[] buffer = new byte[16 * 1024];

    // buffer[next..checkedEnd) is checked and not yet handed out; buffer[checkedEnd..dataEnd) is a partial line.
    private int next;
    private int checkedEnd;
    private int dataEnd;
    private int linesChecked;
    private bool inputEnded;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (next == checkedEnd)
        {
            if (inputEnded)
            {
                return 0;
            }

            await FillAsync(cancellationToken);
        }

        var count = Math.Min(destination.Length, checkedEnd - next);
        buffer.AsSpan(next, count).CopyTo(destination.Span);
        next += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Partner files come from the network or S3: every reader above this stream reads asynchronously.
    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Partner files are read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        // Everything checked has been handed out: keep only the partial line, at the start of the buffer.
        var partial = dataEnd - checkedEnd;
        buffer.AsSpan(checkedEnd, partial).CopyTo(buffer);
        next = checkedEnd = 0;
        dataEnd = partial;
        if (dataEnd == buffer.Length)
        {
            if (buffer.Length >= MaxLineBytes)
            {
                throw Fail(linesChecked + 1, $"the line is longer than {MaxLineBytes} bytes");
            }

            Array.Resize(ref buffer, buffer.Length * 2);
        }

        var read = await input.ReadAsync(buffer.AsMemory(dataEnd), cancellationToken);
        if (read == 0)
        {
            inputEnded = true;
            if (dataEnd > 0)
            {
                throw Fail(linesChecked + 1, "the last line has no line terminator");
            }

            return;
        }

        var scanFrom = dataEnd;
        dataEnd += read;
        int lineFeed;
        while ((lineFeed = buffer.AsSpan(scanFrom, dataEnd - scanFrom).IndexOf((byte)'\n')) >= 0)
        {
            var lineEnd = scanFrom + lineFeed;
            CheckLine(checkedEnd, lineEnd);
            checkedEnd = scanFrom = lineEnd + 1;
        }
    }

    private void CheckLine(int start, int lineFeed)
    {
        var lineNumber = ++linesChecked;
        var line = buffer.AsSpan(start, lineFeed - start);
        if (lineNumber == 1 && line.StartsWith(ByteOrderMark))
        {
            if (!text.ToleratesByteOrderMark)
            {
                throw Fail(lineNumber, "the file starts with a UTF-8 byte order mark, which this format does not allow");
            }

            line = line[ByteOrderMark.Length..];
            next += ByteOrderMark.Length;
        }

        var content = text.LineEnding == LineEnding.CrLf ? WithoutCarriageReturn(line, lineNumber) : line;
        if (content.Contains((byte)'\r'))
        {
            throw Fail(lineNumber, content[^1] == '\r' && text.LineEnding == LineEnding.Lf
                ? "the line ends with CR LF; this format ends lines with LF alone"
                : "the line holds a carriage return that does not end it");
        }

        try
        {
            text.Encoding.GetCharCount(content);
        }
        catch (DecoderFallbackException)
        {
            throw Fail(lineNumber, $"the line holds bytes that are not valid {text.Encoding.WebName}");
        }
    }

    private ReadOnlySpan<byte> WithoutCarriageReturn(ReadOnlySpan<byte> line, int lineNumber) =>
        line.EndsWith((byte)'\r')
            ? line[..^1]
            : throw Fail(lineNumber, "the line ends with LF alone; this format ends lines with CR LF");

    private PartnerFileException Fail(int lineNumber, string reason) => new(fileName, lineNumber, reason);
}
