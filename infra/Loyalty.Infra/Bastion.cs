using Amazon.CDK.AWS.EC2;
using Constructs;

namespace Loyalty.Infra;

/// <param name="Stage">The validated stage: instance type and the SSH allow-list.</param>
/// <param name="Vpc">The stage network; the bastion sits in a public subnet.</param>
public sealed record BastionProps
{
    public required StageConfig Stage { get; init; }

    public required IVpc Vpc { get; init; }
}

/// <summary>
/// A small host in a public subnet for operators: reached by SSM Session Manager; SSH only from the stage's
/// allow-list (an empty list adds no SSH rule at all); IMDSv2 only; encrypted root volume.
/// </summary>
public sealed class Bastion : Construct
{
    public Bastion(Construct scope, string id, BastionProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Stage;
        var vpc = props.Vpc;
        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Loyalty bastion: SSH from the stage allow-list only",
            AllowAllOutbound = true,
        });
        foreach (var cidr in stage.Bastion.SshAllowList)
        {
            SecurityGroup.AddIngressRule(Peer.Ipv4(cidr), Port.Tcp(22), $"SSH from allow-listed {cidr}");
        }

        Host = new BastionHostLinux(this, "Host", new BastionHostLinuxProps
        {
            Vpc = vpc,
            SubnetSelection = new SubnetSelection { SubnetGroupName = Network.PublicTier },
            InstanceType = new InstanceType(stage.Bastion.InstanceType),
            SecurityGroup = SecurityGroup,
            RequireImdsv2 = true,
            BlockDevices =
            [
                new BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = BlockDeviceVolume.Ebs(8, new EbsDeviceOptions { Encrypted = true, VolumeType = EbsDeviceVolumeType.GP3 }),
                },
            ],
        });
    }

    public SecurityGroup SecurityGroup { get; }

    public BastionHostLinux Host { get; }
}
