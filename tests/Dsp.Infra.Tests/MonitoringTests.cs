namespace Dsp.Infra.Tests;

public class MonitoringTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    [Fact]
    public void Application_Insights_accepts_only_Entra_ID_authenticated_telemetry()
    {
        var (component, _) = _main.Single("Microsoft.Insights/components");

        Assert.True(component.GetProperty("properties").GetProperty("DisableLocalAuth").GetBoolean());
    }

    [Fact]
    public void Application_Insights_is_backed_by_the_Log_Analytics_workspace()
    {
        var (component, _) = _main.Single("Microsoft.Insights/components");
        var (workspace, _) = _main.Single("Microsoft.OperationalInsights/workspaces");

        Assert.Contains("Microsoft.OperationalInsights/workspaces", component.GetProperty("properties").GetProperty("WorkspaceResourceId").GetString(), StringComparison.Ordinal);
        Assert.Equal("PerGB2018", workspace.GetProperty("properties").GetProperty("sku").GetProperty("name").GetString());
    }
}
