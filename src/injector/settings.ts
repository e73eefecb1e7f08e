import type { InjectorConfig } from '../config/injector-schema.ts'
import type { InjectSettings } from './sidecar.ts'

/** The sidecar settings from the injector's configuration; `overrides` are the command line's. */
export function injectSettings(
  config: InjectorConfig,
  overrides: { image?: string | undefined; nativeSidecar?: boolean | undefined } = {},
): InjectSettings {
  return Object.freeze({
    image: overrides.image ?? config.injectImage,
    imagePullPolicy: config.injectImagePullPolicy,
    nativeSidecar: overrides.nativeSidecar ?? config.injectNativeSidecar,
    adminPort: config.injectAdminPort,
    cpuRequest: config.injectCpuRequest,
    cpuLimit: config.injectCpuLimit,
    memoryRequest: config.injectMemoryRequest,
    memoryLimit: config.injectMemoryLimit,
  })
}
