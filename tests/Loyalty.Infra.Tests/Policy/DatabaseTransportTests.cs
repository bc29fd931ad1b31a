using Amazon.CDK.AWS.RDS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class DatabaseTransportTests
{
    [Theory]
    [InlineData("ON")]
    [InlineData("1")]
    public void Db3_ParameterGroupRequiringTls_HasNoFinding(string value)
    {
        var gate = new Gate();
        Instance(gate, value);

        Assert.Empty(gate.Findings(DatabaseRules.SecureTransport.Id));
    }

    [Fact]
    public void Db3_ParameterGroupAllowingClearText_FailsWithPathAndFix()
    {
        var gate = new Gate();
        Instance(gate, "OFF");

        Gate.AssertFinding(gate.Errors(DatabaseRules.SecureTransport.Id), DatabaseRules.SecureTransport, "Gate-dev/Db");
    }

    [Fact]
    public void Db3_DefaultParameterGroup_Fails()
    {
        var gate = new Gate();
        _ = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps { Engine = "mariadb", DbInstanceClass = "db.t4g.micro" });

        Gate.AssertFinding(gate.Errors(DatabaseRules.SecureTransport.Id), DatabaseRules.SecureTransport, "Gate-dev/Db");
    }

    private static void Instance(Gate gate, string requireSecureTransport)
    {
        var group = new CfnDBParameterGroup(gate.Stack, "Params", new CfnDBParameterGroupProps
        {
            Family = "mariadb10.11",
            Description = "test",
            Parameters = new Dictionary<string, object> { ["require_secure_transport"] = requireSecureTransport },
        });
        _ = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps
        {
            Engine = "mariadb", DbInstanceClass = "db.t4g.micro", DbParameterGroupName = group.Ref,
        });
    }
}
