import type { ExecutionContext } from '@nestjs/common';

type Handler = ReturnType<ExecutionContext['getHandler']>;
type Controller = ReturnType<ExecutionContext['getClass']>;

/**
 * What a route's decorators say, read once per handler and controller by `read` and kept: a route's
 * metadata is fixed once the app is built, and reading it through the Reflector on every request
 * costs a lookup per key on the handler and on its class.
 */
export class RouteSettings<T> {
  private readonly byHandler = new WeakMap<object, WeakMap<object, T>>();

  constructor(private readonly read: (handler: Handler, controller: Controller) => T) {}

  /** The settings of the request's route. */
  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.byHandler.get(handler);
    if (!byController) {
      byController = new WeakMap();
      this.byHandler.set(handler, byController);
    }
    let settings = byController.get(controller);
    if (settings === undefined) {
      settings = this.read(handler, controller);
      byController.set(controller, settings);
    }
    return settings;
  }
}
