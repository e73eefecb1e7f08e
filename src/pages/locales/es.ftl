# Las páginas de fxa-gate, en español.

## Nombres

provider-mozilla = cuenta de Mozilla
this-site = este sitio

## Partes de cada página

page-reference = Referencia: { $id }
page-reference-help = Dé esta referencia a los responsables del sitio si les pide ayuda.
page-signed-in-as = Ha iniciado sesión como { $email }.

## Enlaces y botones

link-sign-in = Iniciar sesión
link-sign-in-again = Volver a iniciar sesión
link-other-account = Usar otra cuenta
link-back = Volver a la aplicación
link-try-again = Intentarlo de nuevo
link-account-settings = Abrir los ajustes de su { $provider }
link-sessions = Ver dónde ha iniciado sesión
link-subscribe = Ver las opciones de suscripción
link-step-up = Confirmar con la autenticación en dos pasos

## Errores

error-bad-request-title = No se pudo entender esta solicitud
error-bad-request-reason = La dirección o la solicitud no tiene una forma que este sitio acepte. Vuelva atrás e inténtelo de nuevo.
error-unauthenticated-title = Inicie sesión para continuar
error-unauthenticated-reason = Necesita iniciar sesión para ver esta página.
error-token-title = No se pudo confirmar su acceso
error-token-reason = La aplicación que envió esta solicitud usó una clave de acceso no válida o caducada. Vuelva a iniciar sesión.
error-forbidden-title = No tiene acceso a esta página
error-forbidden-reason = Ha iniciado sesión, pero este sitio no permite el acceso de su cuenta aquí.
error-not-found-title = Página no encontrada
error-not-found-reason = No hay nada en esta dirección. Compruebe que no tenga errores o vuelva a la aplicación.
error-method-title = Esta acción no es posible aquí
error-method-reason = Esta página no se puede usar de esta forma. Vuelva atrás e inténtelo de nuevo.
error-timeout-title = La solicitud tardó demasiado
error-timeout-reason = Su navegador tardó demasiado en enviar la solicitud. Compruebe su conexión e inténtelo de nuevo.
error-too-many-title = Demasiadas solicitudes
error-too-many-reason = Este navegador envió demasiadas solicitudes en poco tiempo. Espere un minuto y vuelva a intentarlo.
error-unavailable-title = Este servicio no está disponible ahora
error-unavailable-reason = No es culpa suya. Inténtelo de nuevo dentro de unos minutos.
error-provider-title = Ahora no es posible iniciar sesión
error-provider-reason = No se pudo contactar con su { $provider }, o respondió con un error. Inténtelo de nuevo dentro de unos minutos.
error-app-title = La aplicación no responde
error-app-reason = La aplicación detrás de esta página no respondió a tiempo o no se pudo contactar. Inténtelo de nuevo dentro de unos minutos.
error-setup-title = Este sitio no está bien configurado
error-setup-reason = Los responsables del sitio deben corregir su configuración. Deles la referencia de abajo.
error-internal-title = Algo salió mal
error-internal-reason = Un problema inesperado detuvo esta página. Inténtelo de nuevo; si vuelve a pasar, dé la referencia de abajo a los responsables del sitio.
error-busy-title = Este sitio está muy ocupado ahora
error-busy-reason = Demasiadas personas lo están usando a la vez. Inténtelo de nuevo en un momento.
error-cross-site-title = Esta solicitud vino de otro sitio
error-cross-site-reason = Por su seguridad, este sitio solo acepta esta solicitud desde sus propias páginas, así que no se cambió nada. Vuelva atrás y use el botón de este sitio.
error-forged-header-title = Esta solicitud fue rechazada
error-forged-header-reason = Su navegador, o algo entre él y este sitio, añadió a la solicitud información que solo este sitio puede establecer. Si una extensión del navegador o una herramienta modifica sus solicitudes, desactívela para este sitio e inténtelo de nuevo. Si vuelve a ocurrir, dé a los responsables del sitio la referencia de abajo.
error-headers-too-large-title = Esta solicitud era demasiado grande
error-headers-too-large-reason = Su navegador envió con esta solicitud más datos de los que este sitio acepta, a menudo por tener demasiadas cookies o cookies demasiado grandes. Borre las cookies de este sitio e inténtelo de nuevo.
error-profile-too-large-title = Su perfil no se puede usar aquí
error-profile-too-large-reason = El perfil de su { $provider } tiene algo que este sitio no puede aceptar: un valor demasiado largo o demasiados elementos. Acórtelo en los ajustes de su { $provider } y vuelva a iniciar sesión.
error-logout-incomplete-title = Su sesión sigue abierta
error-logout-incomplete-reason = No se pudo completar el cierre de sesión en { $site }, así que su sesión sigue abierta. Inténtelo de nuevo dentro de un momento.

## Problemas al iniciar sesión

login-expired-title = Su inicio de sesión caducó
login-expired-reason = El inicio de sesión tardó demasiado, o se empezó en otro navegador o ventana. Vuelva a empezarlo.
login-mismatch-title = Este inicio de sesión pertenece a otra ventana
login-mismatch-reason = La respuesta de su proveedor de cuentas no corresponde a ningún inicio de sesión empezado en este navegador. Vuelva a empezar desde esta ventana.
login-cancelled-title = Inicio de sesión cancelado
login-cancelled-reason = Canceló el inicio de sesión, o su { $provider } no lo permitió.
login-failed-title = El inicio de sesión no se completó
login-failed-reason = Su { $provider } no aceptó este inicio de sesión (quizá ya se había usado). Vuelva a empezar.

## Con sesión iniciada, pero sin acceso

forbidden-title = No tiene acceso a esta página
forbidden-domain = Esta área es para cuentas de { $domains }.
forbidden-emails = Esta área solo está abierta a ciertas cuentas.
forbidden-plan = Esta área necesita una suscripción { $plan }.
forbidden-plan-how = Si acaba de suscribirse, vuelva a iniciar sesión para que se reconozca su suscripción.
forbidden-scope = Su inicio de sesión no concedió un permiso que esta área necesita.
forbidden-two-step = Esta área necesita la autenticación en dos pasos.
forbidden-two-step-how = Active la autenticación en dos pasos en los ajustes de su { $provider } y vuelva a iniciar sesión.
forbidden-assurance = Esta área necesita un inicio de sesión más seguro del que su proveedor de cuentas puede confirmar.
forbidden-other-account = Si tiene otra cuenta que esté permitida aquí, inicie sesión con ella.

## Autenticación en dos pasos pedida, pero no usada

step-up-title = Se necesita la autenticación en dos pasos
step-up-reason = Esta área le pide que confirme que es usted con un segundo paso, como un código de una aplicación de autenticación. Su inicio de sesión no usó ninguno.
step-up-how = Active la autenticación en dos pasos en los ajustes de su { $provider } y vuelva a intentarlo.

## Sesión cerrada

signed-out-title = Ha cerrado la sesión
signed-out-reason = Ha cerrado la sesión en { $site }.
signed-out-provider = Sigue con la sesión iniciada en su { $provider } en este navegador, así que al volver a iniciar sesión quizá no se le pida la contraseña. Para cerrar también esa sesión, use sus ajustes.

## Confirmar el cierre de sesión

logout-title = ¿Cerrar la sesión?
logout-reason = ¿Quiere cerrar la sesión en { $site }?
logout-button = Cerrar sesión

## Dónde ha iniciado sesión

sessions-title = Dónde ha iniciado sesión
sessions-intro = Estos navegadores y dispositivos tienen la sesión iniciada en { $site } con su cuenta.
sessions-current = Este navegador
sessions-browser = { $browser } en { $system }
sessions-unknown-browser = Navegador desconocido
sessions-signed-in = Sesión iniciada el { $date }
sessions-last-seen = Última actividad { $when }
sessions-address = Red { $ip }
sessions-end = Cerrar la sesión de este navegador
sessions-end-all = Cerrar la sesión en todos los demás
sessions-only-this = No tiene la sesión iniciada en ningún otro sitio.
sessions-ended = Se cerró la sesión.
sessions-ended-all = Se cerraron todas las demás sesiones.
sessions-provider = Su { $provider } tiene su propia lista de dispositivos y aplicaciones en sus ajustes.
