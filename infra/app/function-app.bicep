// The Functions app on the Flex Consumption plan, running the .NET 10 isolated worker as its user-assigned
// identity. Every connection is identity-based: the settings below carry account names, endpoints and the
// identity's client id, never a key. (Flex Consumption sets the worker runtime from functionAppConfig, so
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION must not be app settings.)

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app also gets azd-service-name).')
param tags object

@description('azd service name in azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity the app runs as.')
param identityClientId string

@description('Name of the storage account for the host, the task hub and the app\'s data.')
param storageAccountName string

@description('Blob container of the storage account that holds deployment packages.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Endpoint of the Azure OpenAI account.')
param openAiEndpoint string

@description('Deployment name of the drafter model.')
param draftDeploymentName string

@description('Model name of the drafter deployment (for cost accounting and traces).')
param draftModelName string

@description('reasoning_effort of the drafter; empty for a classic chat model (then none is sent).')
param draftReasoningEffort string

@description('Deployment name of the target model.')
param targetDeploymentName string

@description('Model name of the target deployment (for cost accounting and traces).')
param targetModelName string

@description('reasoning_effort of the target; empty for a classic chat model (then none is sent).')
param targetReasoningEffort string

@description('NCRONTAB schedule of the policy retraining timer.')
param retrainSchedule string

@description('Memory per instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on the number of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Functions host and Durable task hub (Azure Storage backend), identity-based.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The app's own tables (Transitions, Runs, Policies, Cancellations) and blobs (container policies).
    Dsp__Storage__TableServiceUri: storage.properties.primaryEndpoints.table
    Dsp__Storage__BlobServiceUri: storage.properties.primaryEndpoints.blob
    Dsp__Storage__ClientId: identityClientId
    // Azure OpenAI with Entra ID.
    Dsp__OpenAI__Endpoint: openAiEndpoint
    Dsp__OpenAI__ClientId: identityClientId
    // The default agent profile: drafter and target deployments.
    Dsp__Agents__Profiles__default__Draft__Deployment: draftDeploymentName
    Dsp__Agents__Profiles__default__Draft__Model: draftModelName
    Dsp__Agents__Profiles__default__Target__Deployment: targetDeploymentName
    Dsp__Agents__Profiles__default__Target__Model: targetModelName
    // reasoning_effort of reasoning models; empty (classic chat models, which refuse the parameter) means not sent.
    Dsp__Agents__Profiles__default__Draft__ReasoningEffort: draftReasoningEffort
    Dsp__Agents__Profiles__default__Target__ReasoningEffort: targetReasoningEffort
    // Policy retraining timer. The host resolves the trigger's %DSP_RETRAIN_SCHEDULE% itself, so the setting is required
    // and flat: Section:Key names are reported not to fire on scale-to-zero Linux plans while idle
    // (https://github.com/Azure/azure-functions-host/issues/8649).
    DSP_RETRAIN_SCHEDULE: retrainSchedule
    // Telemetry with Entra ID (the component has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  }
}

@description('Name of the Function App.')
output name string = functionApp.name

@description('HTTPS base URL of the Function App.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
