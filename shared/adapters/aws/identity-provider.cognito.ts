/**
 * IdentityProvider on a Cognito user pool whose username is the e-mail address
 * (CDK: signInAliases {email: true}), with custom attributes workspaceId and departmentId, one
 * group per role, and an app client without secret allowing USER_PASSWORD_AUTH.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminDeleteUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  InitiateAuthCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { isRole } from '../../auth/roles';
import { ConflictError } from '../../errors';
import type { IdentityProvider, SignInResult } from '../../identity/ports';

/** Cognito's answers to a wrong password or unknown user: a failed sign-in, not an outage. */
const FAILED_SIGN_IN = new Set(['NotAuthorizedException', 'UserNotFoundException', 'UserNotConfirmedException', 'PasswordResetRequiredException']);

export function createCognitoIdentityProvider(
  cognito: CognitoIdentityProviderClient,
  options: { userPoolId: string; clientId: string },
): IdentityProvider {
  const UserPoolId = options.userPoolId;
  return {
    async createUser(input) {
      const created = await cognito
        .send(
        new AdminCreateUserCommand({
          UserPoolId,
          Username: input.email,
          MessageAction: 'SUPPRESS', // the admin hands the password over; no Cognito invitation mail
          UserAttributes: [
            { Name: 'email', Value: input.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: input.name },
            { Name: 'custom:workspaceId', Value: input.workspaceId },
            ...(input.departmentId ? [{ Name: 'custom:departmentId', Value: input.departmentId }] : []),
          ],
        }),
      )
        .catch((error: unknown) => {
          // Left over from an earlier half-finished creation, or made outside Pigeon.
          if ((error as { name?: string }).name === 'UsernameExistsException') {
            throw new ConflictError('A user with this e-mail address exists', [{ field: 'email', message: 'Already in use' }]);
          }
          throw error;
        });
      const sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
      if (!sub) throw new Error('Cognito returned no sub for the new user');
      try {
        await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: input.email, Password: input.password, Permanent: true }));
        await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: input.email, GroupName: input.role }));
      } catch (error) {
        await cognito.send(new AdminDeleteUserCommand({ UserPoolId, Username: input.email })).catch(() => {});
        throw error;
      }
      return { id: sub };
    },
    async updateUser(user) {
      await cognito.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId,
          Username: user.email,
          UserAttributes: [
            { Name: 'name', Value: user.name },
            ...(user.departmentId ? [{ Name: 'custom:departmentId', Value: user.departmentId }] : []),
          ],
        }),
      );
      if (!user.departmentId) {
        await cognito.send(new AdminDeleteUserAttributesCommand({ UserPoolId, Username: user.email, UserAttributeNames: ['custom:departmentId'] }));
      }
      const { Groups = [] } = await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: user.email }));
      for (const group of Groups) {
        if (group.GroupName && isRole(group.GroupName) && group.GroupName !== user.role) {
          await cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: user.email, GroupName: group.GroupName }));
        }
      }
      if (!Groups.some((g) => g.GroupName === user.role)) {
        await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: user.email, GroupName: user.role }));
      }
    },
    async deleteUser(user) {
      await cognito.send(new AdminDeleteUserCommand({ UserPoolId, Username: user.email }));
    },
    async rejectUnknown(email, password) {
      // Cognito answers an unknown user like a wrong password (PreventUserExistenceErrors) and in
      // about the same time; asking it keeps our own timing the same too.
      await passwordSignIn(email, password);
    },
    signIn: (user, password) => passwordSignIn(user.email, password),
  };

  async function passwordSignIn(email: string, password: string): Promise<SignInResult> {
    try {
      const { AuthenticationResult } = await cognito.send(
        new InitiateAuthCommand({
          ClientId: options.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      if (!AuthenticationResult?.IdToken) return { ok: false };
      return { ok: true, idToken: AuthenticationResult.IdToken, expiresIn: AuthenticationResult.ExpiresIn ?? 3600 };
    } catch (error) {
      if (FAILED_SIGN_IN.has((error as { name?: string }).name ?? '')) return { ok: false };
      throw error;
    }
  }
}
