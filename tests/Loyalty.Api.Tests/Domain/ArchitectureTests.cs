using System.Reflection;
using Microsoft.Extensions.Logging;
using NetArchTest.Rules;

namespace Loyalty.Api.Tests.Domain;

/// <summary>
/// The API's layering: features use the core (Domain) and the plumbing (Infrastructure), never each other; the
/// core uses no feature; the plumbing uses neither. Program, Cli and the setup at the root compose them all.
/// </summary>
public sealed class ArchitectureTests
{
    private const string Features = "Loyalty.Api.Features";
    private const string Domain = "Loyalty.Api.Domain";
    private const string Infrastructure = "Loyalty.Api.Infrastructure";

    private static Types Api => Types.InAssembly(typeof(Program).Assembly);

    [Fact]
    public void Features_DoNotUseEachOther()
    {
        AssertHolds(Api.Slice().ByNamespacePrefix(Features).Should().NotHaveDependenciesBetweenSlices().GetResult());
    }

    [Fact]
    public void TheCore_UsesNoFeature()
    {
        AssertHolds(Api.That().ResideInNamespace(Domain).ShouldNot().HaveDependencyOnAny(Features).GetResult());
    }

    [Fact]
    public void ThePlumbing_UsesNeitherFeaturesNorTheCore()
    {
        AssertHolds(Api.That().ResideInNamespace(Infrastructure).ShouldNot().HaveDependencyOnAny(Features, Domain).GetResult());
    }

    /// <summary>Operators filter and alert on event ids, so every log message has its own.</summary>
    [Fact]
    public void EveryLogMessage_HasItsOwnEventId()
    {
        var messages = typeof(Program).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(method => (Method: $"{method.DeclaringType!.Name}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(message => message.Attribute is not null)
            .ToList();

        Assert.NotEmpty(messages);
        Assert.All(messages, message => Assert.True(message.Attribute!.EventId > 0, $"{message.Method} has no event id"));
        Assert.Empty(messages.GroupBy(message => message.Attribute!.EventId).Where(ids => ids.Count() > 1).Select(ids => ids.Key));
    }

    private static void AssertHolds(TestResult result) =>
        Assert.True(result.IsSuccessful, string.Join(Environment.NewLine,
            (result.FailingTypes ?? []).Select(type => $"{type.FullName}: {type.Explanation}")));
}
