import packageJson from '../../package.json';

export const EXTENSION_VERSION: string = packageJson.version;
