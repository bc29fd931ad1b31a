using Amazon.CDK.AWS.EC2;
using Constructs;

namespace Loyalty.Infra;

/// <summary>
/// A small host in a public subnet for operators: reached by SSM Session Manager; SSH only from the stage's
/// allow-list (an empty list adds no SSH rule at all); IMDSv2 only; encrypted root volume.
/// </summary>
public sealed class Bastion : Construct
{
    public Bastion(Construct scope, string id, StageConfig stage, IVpc vpc) : base(scope, id)
    {
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
