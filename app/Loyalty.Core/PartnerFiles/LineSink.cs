using System.Buffers;
using System.Text;

namespace Loyalty.Core.PartnerFiles;

/// <summary>
/// Collects the lines of a JSON Lines or fixed-width file in a small buffer and writes it out whenever it fills,
/// so a batch of any size is written with the same memory.
/// </summary>
internal sealed class LineSink(Stream output, PartnerText text)
{
    private const int FlushThreshold = 64 * 1024;

    private readonly ArrayBufferWriter<byte> buffer = new(FlushThreshold * 2);

    /// <summary>Where the current line's bytes go, before <see cref="EndLineAsync"/>.</summary>
    public IBufferWriter<byte> Line => buffer;

    public void WriteText(ReadOnlySpan<char> value) => EncodingExtensions.GetBytes(text.Encoding, value, buffer);

    public async ValueTask EndLineAsync(CancellationToken cancellationToken)
    {
        buffer.Write(text.NewLineBytes);
        if (buffer.WrittenCount >= FlushThreshold)
        {
            await WriteOutAsync(cancellationToken);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await WriteOutAsync(cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private async ValueTask WriteOutAsync(CancellationToken cancellationToken)
    {
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        buffer.ResetWrittenCount();
    }
}
