/**
 * `npm run create-admin -- --stage prod --workspace "Acme" --email admin@acme.example --name "Ada"`
 *
 * Creates a workspace and its first admin in a deployed stage, with the deployer's AWS
 * credentials. It reads the api function's own configuration (table names, user pool, keys) so it
 * writes exactly where the API reads; the generated password is printed once.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';

const { values } = parseArgs({
  options: {
    stage: { type: 'string', default: 'dev' },
    workspace: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    region: { type: 'string' },
  },
});
const missing = (['workspace', 'email', 'name'] as const).filter((key) => !values[key]);
if (missing.length > 0) {
  console.error(`Missing ${missing.map((key) => `--${key}`).join(', ')}.\n` +
    'Usage: npm run create-admin -- --stage prod --workspace "Acme" --email admin@acme.example --name "Ada Admin"');
  process.exit(2);
}

const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) {
  console.error('Set --region or AWS_REGION to the region the stage is deployed in.');
  process.exit(2);
}
const stackName = `Pigeon-${values.stage}-Api`;
const cloudFormation = new CloudFormationClient({ region });
const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
const functionName = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'ApiFunctionName')?.OutputValue;
if (!functionName) {
  console.error(`${stackName} has no ApiFunctionName output: deploy the stage first (npx cdk deploy --all -c stage=${values.stage}).`);
  process.exit(1);
}
const lambda = new LambdaClient({ region });
const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
Object.assign(process.env, configuration.Environment?.Variables ?? {}, { AWS_REGION: region });

// Imported only now: the adapters read the environment set just above.
const { identityDepsFromEnv } = await import('../../shared/identity/operations');
const { createWorkspaceWithAdmin } = await import('../../shared/identity/bootstrap');
const { ClientError } = await import('../../shared/errors');
let result;
try {
  result = await createWorkspaceWithAdmin(identityDepsFromEnv(), {
    workspaceName: values.workspace,
    adminEmail: values.email,
    adminName: values.name,
  });
} catch (error) {
  if (!(error instanceof ClientError)) throw error;
  const fields = error.errors.map((e) => `  ${e.field}: ${e.message}`).join('\n');
  console.error(`${error.message}${fields ? `\n${fields}` : ''}`);
  process.exit(1);
}
console.log(`Workspace ${result.workspace.name} (${result.workspace.id}) created.`);
console.log(`Admin ${result.admin.email} can sign in to the console.`);
if (result.generatedPassword) console.log(`Password (shown once): ${result.generatedPassword}`);
