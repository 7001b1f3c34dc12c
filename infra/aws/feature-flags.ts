/**
 * CDK feature flags, in code rather than cdk.json so the infra tests (which build the app without
 * the CLI) synthesise exactly what `cdk deploy` does. `createApp()` applies them.
 */
import { App, type AppProps } from 'aws-cdk-lib';

export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = {
  '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/core:target-partitions': ['aws', 'aws-cn'],
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:validateSnapshotRemovalPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  '@aws-cdk/aws-apigateway:disableCloudWatchRole': true,
  '@aws-cdk/core:enablePartitionLiterals': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId': true,
  // Keep exports protected: a consumer stack must drop a reference before its producer can.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

/** An App with Pigeon's feature flags; context given here or on the command line wins. */
export function createApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
}
