using System.Text.Json;

namespace Dsp.Infra.Tests;

public class RoleAssignmentTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    public static TheoryData<string, string, string> RequiredRoles => new()
    {
        { "Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts" },
        { "Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts" },
        { "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts" },
        { "Cognitive Services OpenAI User", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", "Microsoft.CognitiveServices/accounts" },
        { "Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components" },
    };

    /// <summary>A role assignment with its role definition id and principal resolved.</summary>
    private sealed record Assignment(JsonElement Resource, ArmTemplate Template, string RoleDefinitionId, IReadOnlyList<ArmTemplate.Step> Principal)
    {
        public bool IsForTheAppIdentity
        {
            get
            {
                var origin = Principal[^1];
                return origin.Template.DeploymentName == "identity" && origin.Text.EndsWith(".principalId]", StringComparison.Ordinal);
            }
        }

        public string PrincipalType => Template.Follow(Resource.GetProperty("properties").GetProperty("principalType"))[^1].Value.GetString()!;

        public bool IsConditional => Resource.TryGetProperty("condition", out _);
    }

    private static List<Assignment> Assignments() =>
        _main.AllResources("Microsoft.Authorization/roleAssignments").Select(x =>
        {
            var properties = x.Resource.GetProperty("properties");
            var roleDefinitionId = x.Template.ExpandVariableMembers(properties.GetProperty("roleDefinitionId").GetString()!);
            return new Assignment(x.Resource, x.Template, roleDefinitionId, x.Template.Follow(properties.GetProperty("principalId")));
        }).ToList();

    [Theory]
    [MemberData(nameof(RequiredRoles))]
    public void The_app_identity_holds_each_least_privilege_role_on_the_resource_it_needs(string role, string roleDefinitionGuid, string scopeType)
    {
        var assignment = Assert.Single(Assignments(), a => a.IsForTheAppIdentity && a.RoleDefinitionId.Contains(roleDefinitionGuid, StringComparison.OrdinalIgnoreCase));

        Assert.True(assignment.PrincipalType == "ServicePrincipal", $"{role}: a managed identity is a ServicePrincipal");
        Assert.Contains($"resourceId('{scopeType}'", assignment.Resource.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.Contains("subscriptionResourceId('Microsoft.Authorization/roleDefinitions'", assignment.RoleDefinitionId, StringComparison.Ordinal);
        if (assignment.IsConditional)
        {
            // Only the metrics publisher role is conditional (on an Application Insights name); the app always passes one.
            var name = assignment.Template.FollowParameter("applicationInsightsName");
            Assert.Contains(name, step => step.Template.DeploymentName == "monitoring");
            Assert.NotEqual("", name[^1].Text);
        }
    }

    [Fact]
    public void The_app_identity_holds_no_other_role()
    {
        var allowed = RequiredRoles.Select(row => (string)row[1]).ToList();

        Assert.All(Assignments().Where(a => a.IsForTheAppIdentity),
            a => Assert.Contains(allowed, guid => a.RoleDefinitionId.Contains(guid, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void Every_role_assignment_name_is_a_deterministic_guid_of_scope_principal_and_role()
    {
        var assignments = Assignments();

        Assert.NotEmpty(assignments);
        Assert.All(assignments, a =>
        {
            var name = a.Resource.GetProperty("name").GetString()!;
            Assert.StartsWith("[guid(", name, StringComparison.Ordinal);
            Assert.Contains("parameters('principalId')", name, StringComparison.Ordinal);
            Assert.DoesNotContain("newGuid", name, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("utcNow", name, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void Developer_roles_are_granted_only_when_a_developer_principal_is_given()
    {
        var developer = _main.Module("rbac-developer");
        var module = Assert.Single(_main.Resources, r => r.GetProperty("name").GetString() == "rbac-developer");

        Assert.Equal("[not(empty(parameters('principalId')))]", module.GetProperty("condition").GetString());
        Assert.Contains(developer.FollowParameter("principalId"), step => step.RootParameter == "principalId");
        // A developer publishes no telemetry as the app: no Application Insights name, no metrics publisher role.
        Assert.Equal("", developer.FollowParameter("applicationInsightsName")[^1].Value.GetString());
    }

    [Fact]
    public void The_developer_principal_type_is_given_or_inferred_from_the_deployer_so_users_and_service_principals_both_work()
    {
        var developer = _main.Module("rbac-developer");
        var principalType = developer.FollowParameter("principalType");
        var declared = _main.Template.GetProperty("parameters").GetProperty("principalType");

        // Not a fixed 'User': azd signed in as a service principal would fail on it.
        Assert.Contains(principalType, step => step.Text == "[variables('developerPrincipalType')]");
        Assert.Equal("", declared.GetProperty("defaultValue").GetString());
        Assert.Equal(["", "User", "ServicePrincipal"], declared.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()));
        var inferred = principalType[^1].Text;
        Assert.Equal("[deployer()]", _main.Template.GetProperty("variables").GetProperty("deployingPrincipal").GetString());
        // An explicit kind wins; else the deployer's own kind when it is the developer (no user principal name: a service
        // principal or managed identity); else a user.
        Assert.Equal("[if(equals(parameters('principalType'), 'User'), 'User', if(or(equals(parameters('principalType'), 'ServicePrincipal'), and(equals(parameters('principalId'), variables('deployingPrincipal').objectId), empty(coalesce(tryGet(variables('deployingPrincipal'), 'userPrincipalName'), '')))), 'ServicePrincipal', 'User'))]", inferred);
        using var file = JsonDocument.Parse(Repository.ReadAllText("infra/main.parameters.json"));
        Assert.Equal("${AZURE_PRINCIPAL_TYPE=}", file.RootElement.GetProperty("parameters").GetProperty("principalType").GetProperty("value").GetString());
    }
}
