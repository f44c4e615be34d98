// Azure OpenAI account with the two deployments speculative planning needs: a cheap, fast drafter and a
// strong target. Key authentication is disabled; the app calls it with its managed identity
// (Cognitive Services OpenAI User, granted in rbac/).

@description('Name of the Azure OpenAI account; also its custom subdomain (required for Entra ID auth).')
param name string

@description('Azure region of the account (model availability differs by region).')
param location string

@description('Tags applied to the account.')
param tags object

@description('Deployment name of the drafter model.')
param draftDeploymentName string

@description('Model name of the drafter deployment.')
param draftModelName string

@description('Model version of the drafter deployment.')
param draftModelVersion string

@description('SKU of the drafter deployment (e.g. GlobalStandard, Standard, DataZoneStandard).')
param draftSkuName string

@description('Capacity of the drafter deployment, in thousands of tokens per minute.')
@minValue(1)
param draftCapacity int

@description('Deployment name of the target model.')
param targetDeploymentName string

@description('Model name of the target deployment.')
param targetModelName string

@description('Model version of the target deployment.')
param targetModelVersion string

@description('SKU of the target deployment (e.g. GlobalStandard, Standard, DataZoneStandard).')
param targetSkuName string

@description('Capacity of the target deployment, in thousands of tokens per minute.')
@minValue(1)
param targetCapacity int

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource draftDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: draftDeploymentName
  sku: {
    name: draftSkuName
    capacity: draftCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: draftModelName
      version: draftModelVersion
    }
    versionUpgradeOption: 'OnceCurrentVersionExpired'
  }
}

// An account accepts one deployment operation at a time: the target waits for the drafter.
resource targetDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: targetDeploymentName
  sku: {
    name: targetSkuName
    capacity: targetCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: targetModelName
      version: targetModelVersion
    }
    versionUpgradeOption: 'OnceCurrentVersionExpired'
  }
  dependsOn: [
    draftDeployment
  ]
}

@description('Name of the account.')
output name string = account.name

@description('Endpoint of the account, e.g. https://<name>.openai.azure.com/.')
output endpoint string = account.properties.endpoint

@description('Deployment name of the drafter.')
output draftDeploymentName string = draftDeployment.name

@description('Deployment name of the target.')
output targetDeploymentName string = targetDeployment.name
