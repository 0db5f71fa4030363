import { DomainError } from "../../core/errors";
import type { DockerEngine, ImageInfo } from "./docker-engine";
import { APP_ID_LABEL, APP_LABEL, type ImageNames, PLATFORM_LABEL } from "./image-names";

/** The app an image is checked for: its name (which may change) and its id (which does not). */
export interface ImageOwner {
  readonly name: string;
  readonly id: string;
}

/** An image a build or deploy may not use; the message says why, for the user. */
export class ImageRefused extends DomainError {
  constructor(message: string) {
    super("IMAGE_REFUSED", message, { field: "image", rule: message });
    this.name = "ImageRefused";
  }
}

export interface ImagePolicyOptions {
  readonly platformId: string;
  /** How the platform names app repositories, for images made before builds were labelled. */
  readonly names: ImageNames;
}

/**
 * Which images an app may build from or deploy (DESIGN.md "Images"), decided on what the engine
 * resolves a reference to, never on its spelling: the platform's stack images and outside images
 * that are no app's, and the app's own images. Every image a build makes carries `deis.app` and
 * `deis.platform` labels (intermediate ones too), and labels travel with the image under any name,
 * ID, digest or registry it is reached by.
 */
export class ImagePolicy {
  constructor(
    private readonly engine: DockerEngine,
    private readonly options: ImagePolicyOptions,
  ) {}

  /**
   * Resolves `ref` as the engine would (pulling it when `pull` and it is not here) and returns its
   * image ID when `app` may use it; throws ImageRefused otherwise.
   */
  async resolve(app: ImageOwner, ref: string, pull: boolean): Promise<ImageInfo> {
    let image = await this.engine.inspectImage(ref);
    if (!image && pull) {
      try {
        await this.engine.pullImage(ref);
      } catch (error) {
        throw new ImageRefused(`image ${ref} is not on the platform and could not be pulled: ${(error as Error).message}`);
      }
      image = await this.engine.inspectImage(ref);
    }
    if (!image) throw new ImageRefused(`no image ${ref} on the platform`);
    const problem = this.problem(app, image);
    if (problem) throw new ImageRefused(`${ref}: ${problem}`);
    return image;
  }

  /** Why `app` may not use the image, or null when it may. */
  problem(app: ImageOwner, image: ImageInfo): string | null {
    if (image.onBuild.length > 0) return "it has ONBUILD instructions, which would run unchecked in the build";
    const owner = image.labels[APP_LABEL];
    if (owner !== undefined) {
      // The id decides (it survives a rename; a new app of an old name has another); images built
      // before builds carried it go by the name.
      const ownerId = image.labels[APP_ID_LABEL];
      const same = ownerId !== undefined ? ownerId === app.id : owner === app.name;
      const mine = same && image.labels[PLATFORM_LABEL] === this.options.platformId;
      return mine ? null : "another app's image cannot be used here";
    }
    if (image.tags.length === 0) {
      return "an image without a name (an intermediate or dangling image) cannot be used; name it first";
    }
    // Unlabelled: an outside image keeps a name outside the apps' repositories (an app that deployed
    // it only added its own); one named only in another app's repository was made before labels.
    const owners = image.tags.map((tag) => this.options.names.appOf(tag));
    if (owners.every((owner) => owner !== null) && owners.some((owner) => owner !== app.name)) {
      return "another app's image cannot be used here";
    }
    return null;
  }

  /** The labels every image an app's build makes carries. */
  labelsFor(app: ImageOwner): Record<string, string> {
    return { [APP_LABEL]: app.name, [APP_ID_LABEL]: app.id, [PLATFORM_LABEL]: this.options.platformId };
  }
}
