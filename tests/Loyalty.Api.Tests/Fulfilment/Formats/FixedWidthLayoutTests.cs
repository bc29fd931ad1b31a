using Loyalty.Core.PartnerFiles;
using static Loyalty.Core.PartnerFiles.FixedWidthField;

namespace Loyalty.Api.Tests.Fulfilment.Formats;

/// <summary>The fixed-width record layer LUMO's files are built on.</summary>
public sealed class FixedWidthLayoutTests
{
    private static readonly FixedWidthLayout Layout = new(20, Text("type", 1, 1), Number("amount", 2, 7), Text("code", 9, 12));

    private static readonly FileLine At = new("TEST.DAT", 7);

    [Fact]
    public void Write_AlignsAndPadsEachField_AndPadsTheRecordWithSpaces() =>
        Assert.Equal("2000042 AB          ", Layout.Write("2", "42", "AB"));

    [Fact]
    public void Read_GivesTheRawTextOfEachField()
    {
        var values = Layout.Read("2000042 AB          ", At);

        Assert.Equal(["2", "000042", "AB  "], values);
    }

    [Theory]
    [InlineData("2", "1234567", "AB")]
    [InlineData("2", "42", "ABCDE")]
    [InlineData("2", "-42", "AB")]
    [InlineData("2", "4 2", "AB")]
    [InlineData("22", "42", "AB")]
    public void Write_RefusesValuesThatDoNotFitTheirField(string type, string amount, string code) =>
        Assert.Throws<ArgumentException>(() => Layout.Write(type, amount, code));

    [Fact]
    public void Write_RefusesTheWrongNumberOfValues() =>
        Assert.Throws<ArgumentException>(() => Layout.Write("2", "42"));

    [Theory]
    [InlineData("2000042 AB         ", "19 characters long")]
    [InlineData("2000042 AB           ", "21 characters long")]
    [InlineData("2000042xAB          ", "columns 8-8 must be spaces")]
    [InlineData("2000042 AB         x", "columns 13-20 must be spaces")]
    public void Read_RefusesRecordsThatBreakTheLayout(string record, string reason)
    {
        var refusal = Assert.Throws<PartnerFileException>(() => Layout.Read(record, At));

        Assert.Equal(("TEST.DAT", 7), (refusal.FileName, refusal.LineNumber));
        Assert.Contains(reason, refusal.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 3, 3, 5)]
    [InlineData(0, 1, 2, 3)]
    [InlineData(1, 2, 5, 21)]
    [InlineData(3, 4, 1, 2)]
    public void Layout_RefusesOverlappingOrOutOfRecordFields(int first1, int last1, int first2, int last2) =>
        Assert.Throws<ArgumentException>(() => new FixedWidthLayout(20, Text("a", first1, last1), Text("b", first2, last2)));
}
