/** One SSM parameter's value (read once per container by its caller). */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clientOptions, ConfigurationError } from '../../config';

export async function readParameter(name: string): Promise<string> {
  const out = await new SSMClient(clientOptions('SSM')).send(new GetParameterCommand({ Name: name }));
  const value = out.Parameter?.Value;
  if (!value) throw new ConfigurationError(`SSM parameter ${name} is empty`);
  return value;
}
