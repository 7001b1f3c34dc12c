/**
 * Console sign-in: a Cognito user pool (e-mail addresses, the workspace and department as custom
 * attributes, one group per role) and the console's app client. The API's sign-in route calls
 * InitiateAuth (USER_PASSWORD_AUTH) with this client; the authorizer verifies the ID tokens.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import { roles } from '../../../shared/auth/roles';
import { acknowledge } from '../nag';
import type { StageConfig } from '../stage';

export interface AuthStackProps extends StackProps {
  readonly stage: StageConfig;
}

export class AuthStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly consoleClient: cognito.UserPoolClient;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the `iss` of its tokens (JWT_ISSUER). */
  readonly issuerUrl: string;
  readonly jwksUrl: string;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Admins create users (POST /users); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      customAttributes: {
        workspaceId: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        departmentId: new cognito.StringAttribute({ minLen: 0, maxLen: 64, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      ...(stage.cognitoThreatProtection
        ? { featurePlan: cognito.FeaturePlan.PLUS, standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
        : { featurePlan: cognito.FeaturePlan.ESSENTIALS }),
      deletionProtection: stage.prodLike,
      removalPolicy: stage.removalPolicy,
    });
    acknowledge(this.userPool, 'AwsSolutions-COG2', 'MFA is offered (TOTP) but optional: marketing staff sign in from shared office machines; workspaces may require it later');
    if (!stage.cognitoThreatProtection) {
      acknowledge(
        this.userPool,
        'AwsSolutions-COG8',
        'Threat protection needs the billed Plus plan; on for production-like stages, or with -c cognitoThreatProtection=true',
      );
    }

    // Group names are the role names: ID tokens carry them in `cognito:groups`.
    roles.forEach((role, precedence) => {
      new cognito.UserPoolGroup(this, `${role[0]!.toUpperCase()}${role.slice(1)}Group`, {
        userPool: this.userPool,
        groupName: role,
        description: `Pigeon role ${role}`,
        precedence,
      });
    });

    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // The workspace and department decide what a user may see: only admins (through the API) set them.
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('workspaceId', 'departmentId'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    this.issuerUrl = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.jwksUrl = `${this.issuerUrl}/.well-known/jwks.json`;
  }
}
