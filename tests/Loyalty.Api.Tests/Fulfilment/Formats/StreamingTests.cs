using System.Runtime.CompilerServices;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

[CollectionDefinition(nameof(StreamingTests), DisableParallelization = true)]
public sealed class StreamingTestsRunAlone;

/// <summary>
/// Accrual writers stream: a batch of any size is written with the same memory (a million rows must not be held).
/// Runs alone, so the managed heap it measures is its own.
/// </summary>
[Collection(nameof(StreamingTests))]
public sealed class StreamingTests
{
    private const int Rows = 200_000;

    // Held rows would take tens of megabytes (each row's strings alone are over 100 bytes); writers hold a
    // 64 KiB buffer or two.
    private const long MaxGrowthBytes = 4 * 1024 * 1024;

    [Theory]
    [MemberData(nameof(PartnerFileTesting.Programmes), MemberType = typeof(PartnerFileTesting))]
    public async Task WritingManyRows_KeepsTheHeapFlat(string code)
    {
        var example = DomainExamples.For(code);
        var output = new CountingStream();
        var probe = new HeapProbe();

        var totals = await example.Spec.Format.WriteAccrualsAsync(output, example.Batch, GenerateAsync(example.Accruals[0], probe), CancellationToken.None);

        Assert.Equal(new FileTotals(Rows, (long)Rows * (Rows + 1) / 2), totals);
        Assert.True(output.Length > Rows * 20L, $"only {output.Length} bytes were written");
        Assert.True(probe.Growth < MaxGrowthBytes, $"the heap grew by {probe.Growth:N0} bytes while writing");
    }

    /// <summary>Fresh rows with fresh strings, so a writer that kept them would keep them all.</summary>
    private static async IAsyncEnumerable<AccrualLine> GenerateAsync(
        AccrualLine template, HeapProbe probe, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        probe.Start();
        for (var row = 1; row <= Rows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (row == Rows / 2)
            {
                probe.Measure();
            }

            yield return template with
            {
                RowSequence = row,
                TransactionId = $"01JPA{row:D21}",
                GivenName = $"Given{row}",
                Surname = $"Surname{row}",
                Amount = row,
            };
        }

        await Task.CompletedTask;
    }

    /// <summary>The managed heap after a full collection, at the start and halfway through the batch.</summary>
    private sealed class HeapProbe
    {
        private long start;

        public long Growth { get; private set; }

        public void Start() => start = GC.GetTotalMemory(forceFullCollection: true);

        public void Measure() => Growth = GC.GetTotalMemory(forceFullCollection: true) - start;
    }

    /// <summary>A write-only stream that keeps nothing but the number of bytes.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position
        {
            get => length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            length += count;
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
