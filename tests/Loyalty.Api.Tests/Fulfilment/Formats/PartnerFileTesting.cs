using System.Runtime.CompilerServices;
using System.Text;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>Runs the formats over bytes in memory.</summary>
internal static class PartnerFileTesting
{
    /// <summary>DOMAIN.md §3's catalogue, in its order: the list the code's own (ProgrammeDefinitions) must match.</summary>
    public static readonly string[] ProgrammeCodes = ["CORV", "QUIL", "TAMR", "LUMO", "HALC", "VERD"];

    public static TheoryData<string> Programmes => new(ProgrammeCodes);

    /// <summary>Lines joined by <paramref name="newLine"/>, with one after the last as every partner file has.</summary>
    public static string Lines(string newLine, params string[] lines) => string.Concat(lines.Select(line => line + newLine));

    /// <summary>Bytes as a string of the same length (Latin-1 maps each byte to one char), so a mismatch shows as a text diff.</summary>
    public static string Bytes(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    public static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return item;
        }
    }

    public static async Task<(byte[] Bytes, FileTotals Totals)> WriteAccrualsAsync(
        PartnerFileSpec spec, AccrualBatch batch, IEnumerable<AccrualLine> lines)
    {
        using var output = new MemoryStream();
        var totals = await spec.Format.WriteAccrualsAsync(output, batch, ToAsync(lines), CancellationToken.None);
        return (output.ToArray(), totals);
    }

    public static async Task<byte[]> WriteHandbackAsync(PartnerFileSpec spec, HandbackHeader header, IReadOnlyList<HandbackLine> lines)
    {
        using var output = new MemoryStream();
        await spec.Format.WriteHandbackAsync(output, header, lines, CancellationToken.None);
        return output.ToArray();
    }

    public static async Task<AccrualFile> ReadAccrualsAsync(PartnerFileSpec spec, byte[] bytes, string fileName)
    {
        using var input = new MemoryStream(bytes);
        return await spec.Format.ReadAccrualsAsync(input, fileName, CancellationToken.None);
    }

    public static async Task<HandbackFile> ReadHandbackAsync(PartnerFileSpec spec, byte[] bytes, string fileName)
    {
        using var input = new MemoryStream(bytes);
        return await spec.Format.ReadHandbackAsync(input, fileName, CancellationToken.None);
    }

    /// <summary>The handback's refusal, which must name the file and the line.</summary>
    public static async Task<PartnerFileException> RefusedHandbackAsync(PartnerFileSpec spec, byte[] bytes, string fileName)
    {
        var refusal = await Assert.ThrowsAsync<PartnerFileException>(() => ReadHandbackAsync(spec, bytes, fileName));
        Assert.Equal(fileName, refusal.FileName);
        return refusal;
    }

    public static async Task<PartnerFileException> RefusedAccrualsAsync(PartnerFileSpec spec, byte[] bytes, string fileName)
    {
        var refusal = await Assert.ThrowsAsync<PartnerFileException>(() => ReadAccrualsAsync(spec, bytes, fileName));
        Assert.Equal(fileName, refusal.FileName);
        return refusal;
    }
}
