// The one identity the Function App runs as. Every data-plane permission (storage, Azure OpenAI, metrics) is
// granted to it in rbac/, so the app needs no key or secret anywhere.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity (for the app\'s identity block and the deployment storage authentication).')
output resourceId string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client id: what the app passes to DefaultAzureCredential / ManagedIdentityCredential.')
output clientId string = identity.properties.clientId

@description('Object (principal) id: what role assignments are granted to.')
output principalId string = identity.properties.principalId
