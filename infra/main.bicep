// Dynamic Speculative Planning on Azure Functions: everything `azd up` provisions.
// Subscription scope: creates the resource group, then one module per concern inside it.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region of the resource group and every resource (pick one that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region of the Azure OpenAI account; empty to use location. Pick one that offers the models below.')
param openAiLocation string = ''

@description('Name of the resource group; empty to derive rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of a developer (or CI principal) to grant the data roles on storage and Azure OpenAI, for running the app or the CLI locally against the deployed resources with Entra ID; empty for none. azd fills in the signed-in principal.')
param principalId string = ''

@description('Kind of principalId: User for a person, ServicePrincipal for a CI identity or service principal; empty to infer it: when principalId is the principal running the deployment, deployer() tells (only a user has a user principal name), otherwise User.')
@allowed([
  ''
  'User'
  'ServicePrincipal'
])
param principalType string = ''

@description('Deployment name of the drafter (cheap, fast) model.')
param draftDeploymentName string = 'draft'

// Model defaults: current GA models a new subscription can deploy without an access request (checked 2026-12-04
// against Microsoft's retirement schedule, https://learn.microsoft.com/azure/foundry/openai/concepts/model-retirement-schedule,
// and infra/model-lifecycle.json, which Dsp.Infra.Tests holds them to). The drafter is the fast, cheap member of the
// target's family. Both are reasoning models: the agents send reasoning_effort and no temperature.
@description('Model name of the drafter deployment (the fast, cheap member of the target\'s family).')
param draftModelName string = 'gpt-5.4-mini'

@description('Model version of the drafter deployment.')
param draftModelVersion string = '2026-03-17'

@description('reasoning_effort of the drafter (none, low, medium, high, xhigh for gpt-5.4-mini); empty for a classic chat model.')
param draftReasoningEffort string = 'none'

@description('Deployment SKU of the drafter.')
param draftSkuName string = 'GlobalStandard'

@description('Capacity of the drafter deployment, in thousands of tokens per minute.')
@minValue(1)
param draftCapacity int = 50

@description('Deployment name of the target (strong) model.')
param targetDeploymentName string = 'target'

@description('Model name of the target deployment.')
param targetModelName string = 'gpt-5.4'

@description('Model version of the target deployment.')
param targetModelVersion string = '2026-03-05'

@description('reasoning_effort of the target (none, low, medium, high, xhigh for gpt-5.4); empty for a classic chat model.')
param targetReasoningEffort string = 'low'

@description('Deployment SKU of the target.')
param targetSkuName string = 'GlobalStandard'

@description('Capacity of the target deployment, in thousands of tokens per minute.')
@minValue(1)
param targetCapacity int = 50

@description('NCRONTAB schedule (six fields, with seconds) of the policy retraining timer (app setting DSP_RETRAIN_SCHEDULE).')
param retrainSchedule string = '0 */5 * * * *'

@description('Memory per Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on the number of Function App instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-dsp-${resourceToken}'
var openAiRegion = toLower(empty(openAiLocation) ? location : openAiLocation)
// The developer's principal type: given, or inferred from deployer() when the developer is who deploys (a service
// principal or managed identity has no user principal name), else a user.
var deployingPrincipal = deployer()
var developerPrincipalType = principalType == 'User'
  ? 'User'
  : principalType == 'ServicePrincipal' || (principalId == deployingPrincipal.objectId && empty(deployingPrincipal.?userPrincipalName ?? ''))
      ? 'ServicePrincipal'
      : 'User'
var deploymentContainerName = 'app-package-${resourceToken}'
var policiesContainerName = 'policies'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-dsp-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'monitoring/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-dsp-${resourceToken}'
    applicationInsightsName: 'appi-dsp-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stdsp${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    policiesContainerName: policiesContainerName
  }
}

module openAi 'ai/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    // The region is part of the name: an account cannot move, so changing openAiLocation creates a new one.
    name: 'oai-dsp-${resourceToken}-${openAiRegion}'
    location: openAiRegion
    tags: tags
    draftDeploymentName: draftDeploymentName
    draftModelName: draftModelName
    draftModelVersion: draftModelVersion
    draftSkuName: draftSkuName
    draftCapacity: draftCapacity
    targetDeploymentName: targetDeploymentName
    targetModelName: targetModelName
    targetModelVersion: targetModelVersion
    targetSkuName: targetSkuName
    targetCapacity: targetCapacity
  }
}

module appRoles 'rbac/role-assignments.bicep' = {
  name: 'rbac-app'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    storageAccountName: storage.outputs.name
    openAiAccountName: openAi.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module developerRoles 'rbac/role-assignments.bicep' = if (!empty(principalId)) {
  name: 'rbac-developer'
  scope: rg
  params: {
    principalId: principalId
    principalType: developerPrincipalType
    storageAccountName: storage.outputs.name
    openAiAccountName: openAi.outputs.name
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-dsp-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    openAiEndpoint: openAi.outputs.endpoint
    draftDeploymentName: openAi.outputs.draftDeploymentName
    draftModelName: draftModelName
    draftReasoningEffort: draftReasoningEffort
    targetDeploymentName: openAi.outputs.targetDeploymentName
    targetModelName: targetModelName
    targetReasoningEffort: targetReasoningEffort
    retrainSchedule: retrainSchedule
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  // The host reaches storage as soon as it starts: grant the roles first.
  dependsOn: [
    appRoles
  ]
}

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding every resource.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the Function App (azd service api).')
output SERVICE_API_NAME string = functionApp.outputs.name

@description('HTTPS base URL of the Function App.')
output SERVICE_API_URI string = functionApp.outputs.uri

@description('Name of the storage account.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Endpoint of the Azure OpenAI account.')
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint

@description('Deployment name of the drafter model.')
output AZURE_OPENAI_DRAFT_DEPLOYMENT string = openAi.outputs.draftDeploymentName

@description('Deployment name of the target model.')
output AZURE_OPENAI_TARGET_DEPLOYMENT string = openAi.outputs.targetDeploymentName

@description('Client id of the Function App\'s user-assigned managed identity.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
