/**
 * Enrichment of tracking events (opens, clicks, page views): where (GeoIP), on what (User-Agent)
 * and whether a person or a machine (mail privacy proxies, link scanners, bots) acted.
 * Pure TypeScript over npm libraries: no AWS SDK; the GeoIP files come from the geoip layer.
 */
export { openGeoLookup, GEOIP_DIR_ENV, GEOIP_PACKAGE, type GeoInfo, type GeoLookup } from './geo';
export { parseUserAgent, MAX_USER_AGENT_LENGTH, type DeviceInfo } from './user-agent';
export { classifyMachine, type MachineInput, type MachineReason, type MachineVerdict } from './machine';
export { parsePublicIp } from './ip';
