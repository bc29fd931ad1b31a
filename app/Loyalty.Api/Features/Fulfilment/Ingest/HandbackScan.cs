using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Api.Features.Fulfilment.Ingest;

/// <summary>
/// The first of a handback's two reads: the whole file checked, its SHA-256 taken, its rows counted and the references
/// more than one row uses found, before anything is applied. Memory holds a 16-byte hash per row, never the rows: a
/// 128-bit hash makes two references sharing one too unlikely to matter.
/// </summary>
internal sealed class HandbackScan
{
    private readonly HashSet<UInt128> repeated;

    private HandbackScan(byte[] sha256, int rows, HashSet<UInt128> repeated, string? refusal)
    {
        Sha256 = sha256;
        Rows = rows;
        this.repeated = repeated;
        Refusal = refusal;
    }

    /// <summary>The digest of every byte of the file, refused or not.</summary>
    public byte[] Sha256 { get; }

    public int Rows { get; }

    /// <summary>Why the file is wrong as a whole, naming the file and line; null when it reads.</summary>
    public string? Refusal { get; }

    /// <summary>Whether more than one row of the file refers to <paramref name="reference"/>.</summary>
    public bool IsRepeated(string reference) => repeated.Contains(Hash(reference));

    /// <summary>Reads <paramref name="input"/> to its end, also when the file is refused, so the digest covers all of it.</summary>
    public static async Task<HandbackScan> ReadAsync(PartnerFileSpec spec, Stream input, string fileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var sha256 = SHA256.Create();
        var references = new List<UInt128>();
        string? refusal = null;
        await using (var hashed = new CryptoStream(input, sha256, CryptoStreamMode.Read, leaveOpen: true))
        {
            try
            {
                await foreach (var line in spec.Format.ReadHandbackLinesAsync(hashed, fileName, null, cancellationToken))
                {
                    references.Add(Hash(HandbackRules.Reference(line)));
                }
            }
            catch (PartnerFileException e)
            {
                refusal = e.Message;
            }

            await hashed.CopyToAsync(Stream.Null, cancellationToken);
        }

        return new HandbackScan(sha256.Hash!, references.Count, Repeated(CollectionsMarshal.AsSpan(references)), refusal);
    }

    /// <summary>Sorted, equal hashes sit side by side: 16 bytes a row, where a set would take half as much again.</summary>
    private static HashSet<UInt128> Repeated(Span<UInt128> references)
    {
        references.Sort();
        var repeated = new HashSet<UInt128>();
        for (var i = 1; i < references.Length; i++)
        {
            if (references[i] == references[i - 1])
            {
                repeated.Add(references[i]);
            }
        }

        return repeated;
    }

    private static UInt128 Hash(string reference) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(reference.AsSpan()));
}
